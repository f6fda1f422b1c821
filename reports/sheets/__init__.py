"""The sheets of the manager's progress workbook, one module each; reports.workbook puts them together.

overview 概要           progress 施策別進捗
schedule 策定スケジュール  history  進捗履歴
years    each fiscal year's sheet, with its totals

The styles, the print set-up and the year sheet's row are measures.sheets, which the department's
template (rounds) shares.
"""
