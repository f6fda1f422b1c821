"""The permissions measures defines beyond the standard ones (Measure.Meta.permissions), by full name."""

EXPORT_PROGRESS = "measures.export_progress"  # 進捗状況をExcelで出力できる
PRINT_PROGRESS = "measures.print_progress"  # 進捗状況の印刷用ページを閲覧できる
