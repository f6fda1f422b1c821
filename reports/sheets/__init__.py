"""The sheets of the manager's progress workbook, one module each; reports.workbook puts them together.

layout   the workbook's styles and print set-up, shared by every sheet
overview 概要           progress 施策別進捗
schedule 策定スケジュール  history  進捗履歴
"""
