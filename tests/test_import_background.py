"""The Excel upload reads its files in the background: the request keeps the files and answers at
once, the worker (manage.py db_worker) reads them, and the preview page follows by itself.

The tasks backend is chosen per test, as in tests/test_workbook_background.py: dummy (the worker is
stopped: nothing runs the read), immediate (the read runs at once, inside the request), database
(the real queue, emptied by db_worker).
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from core import fiscal
from measures.models import ProgressReport
from rounds import progress_imports as services
from rounds.models import ProgressImport, ProgressImportFile

from .page_text import parse
from .test_progress_import import UPLOAD_URL, Filled, _target, measure, page_text, template_bytes
from .test_workbook_background import DATABASE, DUMMY, IMMEDIATE

pytestmark = pytest.mark.usefixtures("demo")

LIST_URL = reverse("admin:rounds_progressimport_changelist")
NOT_STARTED = (
    "1分以上たっても読み込みが始まっていません。ファイルを読み込む処理(ワーカー)が止まっているか、"
    "ほかの処理(大きなExcelファイルの作成など)が続いている可能性があります。"
    "しばらく待っても始まらないときは、システム管理者に、ワーカー(manage.py db_worker)が動いているか"
    "確かめるよう依頼してください。"
)
READ_FAILED = (
    "ファイルを読み込む途中で予期しないエラーが起きたため、この取込は読み込めませんでした。何も登録していません。"
    "ファイルをExcelで開いて保存し直してから、もう一度アップロードしてください。"
    "同じファイルでまた起きるときは、システム管理者にお知らせください。"
)
STILL_READING = (
    "ファイルを読み込んでいる途中です。読み込みが終わって内容を確かめてから、もう一度操作してください。"
)


@pytest.fixture
def worker_stopped(settings):
    """Nothing runs the read until the test does (the dummy backend only records the task)."""
    settings.TASKS = DUMMY
    return settings


@pytest.fixture
def secretariat_client(client, secretariat):
    client.force_login(secretariat)
    return client


def _filled(client, *numbers: int) -> bytes:
    filled = Filled(template_bytes(client))
    for number in numbers:
        filled.fill(measure(number), status="○ 実施中", progress=50, as_of="2022/5/1")
    return filled.bytes()


def _preview_url(upload: ProgressImport) -> str:
    return reverse("admin:rounds_progressimport_preview", args=[upload.pk])


def _status_url(upload: ProgressImport) -> str:
    return reverse("admin:rounds_progressimport_status", args=[upload.pk])


def _post(client, *files: tuple[str, bytes]) -> ProgressImport:
    """Upload through the admin's page: the answer is the redirect to the upload's own page."""
    payload = [SimpleUploadedFile(name, content) for name, content in files]
    response = client.post(UPLOAD_URL, {"target": _target(), "files": payload})
    assert response.status_code == 302, page_text(response)
    upload = ProgressImport.objects.order_by("-pk").first()
    assert response["Location"] == _preview_url(upload)
    return upload


def _status(client, upload: ProgressImport) -> dict:
    response = client.get(_status_url(upload))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    return json.loads(response.content)


def _page(client, upload: ProgressImport) -> str:
    response = client.get(_preview_url(upload))
    assert response.status_code == 200
    return page_text(response)


def _read(upload: ProgressImport) -> str:
    """What the worker does with the task."""
    return services.progress_import_read(upload_id=upload.pk)


def _stored(upload: ProgressImport) -> list[tuple[str, bytes]]:
    rows = ProgressImportFile.objects.filter(upload=upload).order_by("position")
    return [(name, bytes(content)) for name, content in rows.values_list("name", "content")]


def _waiting_since(upload: ProgressImport, seconds: int) -> ProgressImport:
    ProgressImport.objects.filter(pk=upload.pk).update(
        uploaded_at=timezone.now() - timedelta(seconds=seconds)
    )
    upload.refresh_from_db()
    return upload


# ---- the request keeps the files and answers; the worker reads them ----------------------------------


def test_the_upload_answers_at_once_and_reads_nothing(secretariat_client, worker_stopped, monkeypatch):
    import rounds.importing.uploads

    info, koseki = _filled(secretariat_client, 1), _filled(secretariat_client, 3)

    def no_reading(*args, **kwargs):
        raise AssertionError("a file was read in the request")

    monkeypatch.setattr(rounds.importing.uploads, "open_uploaded_workbook", no_reading)
    upload = _post(secretariat_client, ("情報政策課.xlsx", info), ("戸籍住民課.xlsx", koseki))

    assert upload.state == ProgressImport.State.READING
    assert (upload.reports, upload.problems, upload.read_started_at) == ([], [], None)
    assert upload.file_names == "情報政策課.xlsx、戸籍住民課.xlsx"
    assert _stored(upload) == [("情報政策課.xlsx", info), ("戸籍住民課.xlsx", koseki)]

    response = secretariat_client.get(_preview_url(upload))
    html = response.content.decode()
    text = page_text(response)
    assert "状態 読込中" in text
    assert (
        f"{fiscal.wareki_datetime(upload.uploaded_at)}にアップロードされたファイル2個を読み込んでいます。"
        "読み込みが終わると、この画面に登録する報告と問題が表示されます。"
    ) in text
    assert NOT_STARTED not in text
    assert "新しい報告" not in text and "登録する報告はありません" not in text
    assert "進捗報告を登録する" not in text and "取りやめる" not in text and 'name="action"' not in html
    # Without JavaScript, a link reloads the page; with it, the page asks the status by itself.
    reading = parse(html).find("section", cls="import-reading")
    assert reading.attrs["data-import-status"] == _status_url(upload)
    assert reading.find("a").attrs["href"] == _preview_url(upload)
    assert reading.find("a").text == "最新の状態に更新"
    assert '<script src="/static/rounds/progress_import.js" defer></script>' in html

    assert _status(secretariat_client, upload) == {
        "id": upload.pk,
        "state": "reading",
        "state_label": "読込中",
        "started": False,
        "notice": "",
        "preview_url": _preview_url(upload),
    }
    listed = page_text(secretariat_client.get(LIST_URL))
    assert "情報政策課.xlsx、戸籍住民課.xlsx" in listed and "読込中" in listed


def test_the_worker_reads_the_files_and_the_preview_follows(secretariat_client, worker_stopped):
    upload = _post(secretariat_client, ("情報政策課.xlsx", _filled(secretariat_client, 1, 4)))

    assert _read(upload) == "preview"
    upload.refresh_from_db()
    assert upload.state == ProgressImport.State.PREVIEW
    assert upload.read_started_at is not None
    assert [f["name"] for f in upload.files] == ["情報政策課.xlsx"] and len(upload.files[0]["sha256"]) == 64
    assert _stored(upload) == [], "the bytes are deleted once read"
    status = _status(secretariat_client, upload)
    assert (status["state"], status["state_label"], status["notice"]) == ("preview", "確認待ち", "")
    text = _page(secretariat_client, upload)
    assert "状態 確認待ち" in text and "新しい報告 2件" in text and "問題 0件" in text
    assert "ファイルを読み込んでいます" not in text
    assert "2件の進捗報告を登録する" in text

    before = ProgressReport.objects.count()
    response = secretariat_client.post(_preview_url(upload), {"action": "confirm"})
    assert response.status_code == 302
    assert ProgressReport.objects.count() == before + 2


def test_with_the_immediate_backend_the_preview_is_there_on_return(secretariat_client, settings):
    settings.TASKS = IMMEDIATE
    upload = _post(secretariat_client, ("情報政策課.xlsx", _filled(secretariat_client, 1)))
    upload.refresh_from_db()
    assert upload.state == ProgressImport.State.PREVIEW
    assert "新しい報告 1件" in _page(secretariat_client, upload)
    assert not ProgressImportFile.objects.exists()


def test_the_database_worker_reads_it(client, secretariat, settings, transactional_db):
    settings.TASKS = DATABASE
    client.force_login(secretariat)
    upload = _post(client, ("情報政策課.xlsx", _filled(client, 1)))
    assert _status(client, upload)["state"] == "reading"
    call_command("db_worker", batch=True, startup_delay=False, reload=False, verbosity=0)
    assert _status(client, upload)["state"] == "preview"
    assert "新しい報告 1件" in _page(client, upload)
    assert not ProgressImportFile.objects.exists()


# ---- a reader that crashes, a task run twice, a button pressed too early ------------------------------


def test_a_file_that_crashes_the_reader_fails_the_upload_with_a_message_and_no_bytes(
    secretariat_client, worker_stopped, monkeypatch
):
    import rounds.importing.uploads

    upload = _post(secretariat_client, ("壊れ方が珍しい.xlsx", _filled(secretariat_client, 1)))

    def crash(*args, **kwargs):
        raise KeyError("xl/sharedStrings.xml")  # what no check foresaw

    monkeypatch.setattr(rounds.importing.uploads, "open_uploaded_workbook", crash)
    with pytest.raises(KeyError):  # the worker records the task as failed, with the traceback
        _read(upload)
    upload.refresh_from_db()
    assert upload.state == ProgressImport.State.READ_FAILED
    assert _stored(upload) == []
    text = _page(secretariat_client, upload)
    assert "状態 読込失敗" in text
    assert READ_FAILED in text
    assert "ファイルを読み込んでいます" not in text and "新しい報告" not in text
    assert "ファイルを選び直す" in text
    status = _status(secretariat_client, upload)
    assert (status["state"], status["state_label"], status["notice"]) == ("read_failed", "読込失敗", "")
    assert "読込失敗" in page_text(secretariat_client.get(LIST_URL))
    # Nothing to confirm: the failure is said again.
    response = secretariat_client.post(_preview_url(upload), {"action": "confirm"})
    assert response.status_code == 400 and READ_FAILED in page_text(response)


def test_a_crash_in_the_immediate_backend_shows_the_failure_not_a_500(
    secretariat_client, settings, monkeypatch
):
    import rounds.importing.uploads

    settings.TASKS = IMMEDIATE
    content = _filled(secretariat_client, 1)
    monkeypatch.setattr(rounds.importing.uploads, "open_uploaded_workbook", lambda *a, **k: 1 / 0)
    upload = _post(secretariat_client, ("a.xlsx", content))
    assert READ_FAILED in _page(secretariat_client, upload)
    assert not ProgressImportFile.objects.exists()


def test_a_second_run_of_the_task_changes_nothing(secretariat_client, worker_stopped, monkeypatch):
    import rounds.importing.uploads

    upload = _post(secretariat_client, ("情報政策課.xlsx", _filled(secretariat_client, 1)))
    assert _read(upload) == "preview"
    kept = ProgressImport.objects.filter(pk=upload.pk).values().get()

    def no_reading(*args, **kwargs):
        raise AssertionError("the files were read twice")

    monkeypatch.setattr(rounds.importing.uploads, "open_uploaded_workbook", no_reading)
    assert _read(upload) == "preview"
    assert ProgressImport.objects.filter(pk=upload.pk).values().get() == kept
    assert secretariat_client.post(_preview_url(upload), {"action": "confirm"}).status_code == 302
    assert _read(upload) == "imported"
    assert ProgressImport.objects.get(pk=upload.pk).state == ProgressImport.State.IMPORTED

    # A second worker reaching an upload that another is reading leaves it to the first.
    other = _post(secretariat_client, ("戸籍住民課.xlsx", _filled(secretariat_client, 3)))
    ProgressImport.objects.filter(pk=other.pk).update(read_started_at=timezone.now())
    assert _read(other) == "reading"
    assert len(_stored(other)) == 1
    assert services.progress_import_read(upload_id=999_999) == "gone"


def test_confirm_and_discard_are_refused_while_reading(secretariat_client, worker_stopped):
    upload = _post(secretariat_client, ("情報政策課.xlsx", _filled(secretariat_client, 1)))
    for action in ("confirm", "discard"):
        response = secretariat_client.post(_preview_url(upload), {"action": action})
        assert response.status_code == 400
        text = page_text(response)
        assert STILL_READING in text
        assert "ファイルを読み込んでいます" in text
    upload.refresh_from_db()
    assert upload.state == ProgressImport.State.READING
    assert len(_stored(upload)) == 1
    assert _read(upload) == "preview"


def test_a_file_over_the_size_limit_is_not_kept_and_is_refused_when_read(secretariat_client, worker_stopped):
    upload = _post(
        secretariat_client,
        ("大きすぎる.xlsx", b"PK" + b"\0" * (5 * 1024 * 1024)),
        ("情報政策課.xlsx", _filled(secretariat_client, 1)),
    )
    big = ProgressImportFile.objects.get(upload=upload, name="大きすぎる.xlsx")
    assert (big.size, bytes(big.content)) == (5 * 1024 * 1024 + 2, b"")
    _read(upload)
    text = _page(secretariat_client, upload)
    assert (
        "「大きすぎる.xlsx」はファイルサイズが上限の5 MBを超えています。テンプレート以外のシートや画像を削除して"
        "保存し直してから、もう一度アップロードしてください。"
    ) in text
    assert "問題 1件" in text


def test_uploads_never_read_are_dropped_with_their_bytes_after_seven_days(secretariat_client, worker_stopped):
    old = _waiting_since(_post(secretariat_client, ("古い.xlsx", _filled(secretariat_client, 1))), 8 * 86400)
    recent = _waiting_since(
        _post(secretariat_client, ("最近.xlsx", _filled(secretariat_client, 1))), 6 * 86400
    )
    new = _post(secretariat_client, ("新しい.xlsx", _filled(secretariat_client, 3)))
    old.refresh_from_db()
    recent.refresh_from_db()
    assert old.state == ProgressImport.State.DISCARDED and _stored(old) == []
    assert recent.state == ProgressImport.State.READING and len(_stored(recent)) == 1
    assert new.state == ProgressImport.State.READING
    assert _read(old) == "discarded"
    assert "取りやめ" in _page(secretariat_client, old)


# ---- the worker is stopped: an upload that is not read is told, on its page and to the secretariat ---


def test_an_upload_not_started_after_a_minute_says_the_worker_may_be_stopped(
    secretariat_client, worker_stopped
):
    upload = _post(secretariat_client, ("情報政策課.xlsx", _filled(secretariat_client, 1)))
    _waiting_since(upload, 30)
    assert NOT_STARTED not in _page(secretariat_client, upload)
    assert _status(secretariat_client, upload)["notice"] == ""

    _waiting_since(upload, 61)
    assert NOT_STARTED in _page(secretariat_client, upload)
    status = _status(secretariat_client, upload)
    assert (status["state"], status["started"], status["notice"]) == ("reading", False, NOT_STARTED)

    # The worker starts it: still reading, no longer waiting.
    ProgressImport.objects.filter(pk=upload.pk).update(read_started_at=timezone.now())
    assert NOT_STARTED not in _page(secretariat_client, upload)
    status = _status(secretariat_client, upload)
    assert (status["state"], status["started"], status["notice"]) == ("reading", True, "")


def test_the_secretariat_is_told_of_waiting_uploads_on_the_admins_front_page(
    secretariat_client, worker_stopped
):
    content = _filled(secretariat_client, 1)
    oldest = _waiting_since(_post(secretariat_client, ("a.xlsx", content)), 300)
    _waiting_since(_post(secretariat_client, ("b.xlsx", content)), 61)
    _waiting_since(_post(secretariat_client, ("c.xlsx", content)), 30)  # still within its minute
    started = _waiting_since(_post(secretariat_client, ("d.xlsx", content)), 600)
    ProgressImport.objects.filter(pk=started.pk).update(read_started_at=timezone.now())

    text = page_text(secretariat_client.get(reverse("admin:index")))
    assert (
        "進捗のExcel取込が2件、1分以上読み込みが始まらないままです"
        f"(いちばん古い取込は{fiscal.wareki_datetime(oldest.uploaded_at)}のアップロード)。"
        "ファイルを読み込む処理(ワーカー)が止まっている可能性があります。"
        "システム管理者に、ワーカー(manage.py db_worker)が動いているか確かめるよう依頼してください。"
    ) in text


def test_the_admins_front_page_says_nothing_while_the_worker_keeps_up(secretariat_client, worker_stopped):
    _waiting_since(_post(secretariat_client, ("a.xlsx", _filled(secretariat_client, 1))), 30)
    assert "読み込みが始まらない" not in page_text(secretariat_client.get(reverse("admin:index")))


def test_only_those_who_import_read_the_status(client, manager, council, secretariat, worker_stopped):
    client.force_login(secretariat)
    upload = _post(client, ("a.xlsx", _filled(client, 1)))
    for other in (manager, council):
        client.force_login(other)
        assert client.get(_status_url(upload)).status_code in (302, 403)
    client.logout()
    assert client.get(_status_url(upload)).status_code == 302
    client.force_login(secretariat)
    assert client.get(reverse("admin:rounds_progressimport_status", args=[999_999])).status_code == 404


def test_an_upload_with_nothing_to_register_ends_there_instead_of_waiting_for_ever(
    secretariat_client, worker_stopped
):
    """Issue 21, item 13: an empty template (every row 未記入) stayed 確認待ち for ever, with nothing to
    confirm; its record now says 登録なし and the page says why, with no button to press."""
    upload = _post(secretariat_client, ("戸籍住民課.xlsx", _filled(secretariat_client)))
    assert _read(upload) == ProgressImport.State.NOTHING
    upload.refresh_from_db()
    assert upload.get_state_display() == "登録なし"
    page = _page(secretariat_client, upload)
    assert "登録する報告はありません。すべての行が登録済みの内容と同じか、未記入です。" in page
    assert (
        "取りやめる" not in page
        and "登録する" not in page.split("登録する報告はありません")[0].split("状態")[-1]
    )
    listing = page_text(secretariat_client.get(reverse("admin:rounds_progressimport_changelist")))
    rows = listing.split("フィルター")[0]  # the list itself, not its filter's choices
    assert "登録なし" in rows and "確認待ち" not in rows


def test_the_breadcrumbs_name_the_menus_section_not_the_apps(secretariat_client, worker_stopped):
    """Issue 21, item 13: the menu lists 進捗のExcel取込 under 計画・施策・進捗; its pages said 帳票."""
    upload = _post(secretariat_client, ("戸籍住民課.xlsx", _filled(secretariat_client, 1)))
    for url in (UPLOAD_URL, _preview_url(upload), reverse("admin:rounds_progressimport_changelist")):
        crumbs = parse(secretariat_client.get(url).content).find("div", cls="breadcrumbs").text
        assert "ホーム › 計画・施策・進捗 › 進捗のExcel取込" in " ".join(crumbs.split()), (url, crumbs)
        assert "帳票" not in crumbs
