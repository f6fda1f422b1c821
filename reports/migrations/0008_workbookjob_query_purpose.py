"""The filter of one purpose is ``purpose`` now, not ``objective`` (core.parameters refuses the old name).

A workbook asked for before the rename and not yet built keeps its filters in ``WorkbookJob.query``;
the worker reads them again, and so does the link back to /reports/. Each stored query is renamed
here, so that no job fails, or is built for every purpose, for a name it was given in good faith.
Backwards, the name goes back.
"""

from django.db import migrations
from django.http import QueryDict


def _renamed(query: str, old: str, new: str) -> str:
    data = QueryDict(query, mutable=True)
    if old not in data:
        return query
    renamed = QueryDict(mutable=True)
    for name, values in data.lists():
        renamed.setlist(new if name == old else name, values)
    return renamed.urlencode()


def _rename(old: str, new: str):
    def rename(apps, schema_editor):
        WorkbookJob = apps.get_model("reports", "WorkbookJob")
        for job in WorkbookJob.objects.filter(query__contains=f"{old}="):
            query = _renamed(job.query, old, new)
            if query != job.query:
                WorkbookJob.objects.filter(pk=job.pk).update(query=query)

    return rename


class Migration(migrations.Migration):
    dependencies = [("reports", "0007_remove_datastamp")]

    operations = [migrations.RunPython(_rename("objective", "purpose"), _rename("purpose", "objective"))]
