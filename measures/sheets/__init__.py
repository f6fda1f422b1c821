"""The year sheet's format, shared by what goes out (reports: the manager's workbook) and what comes
in (rounds: the department's template and its upload). Both import it; neither imports the other.

exchange  the year sheet's columns, headings, the workbook's sheet names and the files' properties
layout    the workbooks' styles and print set-up
cells     a status, a grade or a date, the same on every sheet
year_row  one measure's row on a year's sheet, and the sheet's name
"""
