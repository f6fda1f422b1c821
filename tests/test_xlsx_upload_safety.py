"""An uploaded file is opened safely or refused with a Japanese sentence naming it (rounds.xlsx_upload).

Every file here is built for real: workbooks by openpyxl, zips by zipfile, bombs by streaming
repeated bytes through deflate. The limits and their reasons: docs/import-limits.md.
"""

import datetime
import hashlib
import io
import json
import struct
import subprocess
import sys
import xml.parsers.expat
import zipfile
from collections import Counter
from pathlib import Path

import openpyxl
import pytest
from defusedxml import DefusedXmlException
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl.packaging.custom import IntProperty, StringProperty

from rounds.xlsx_upload import (
    DEFAULT_LIMITS,
    UnreadableWorkbook,
    UploadLimits,
    is_formula,
    open_uploaded_workbook,
)

NAME = "進捗_情報政策課.xlsx"
MB = 1024 * 1024
SHEET = "xl/worksheets/sheet1.xml"
MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REPO = Path(__file__).resolve().parent.parent


def _workbook_bytes() -> bytes:
    """A small template-like workbook: two sheets, merged titles, a formula, custom properties."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "進捗"
    ws.append(["令和2年度 進捗報告", None, None])
    ws.merge_cells("A1:C1")
    ws.append(["施策ID", "実績値", "合計"])
    ws.append(["M-001", 12, "=SUM(B3:B3)"])
    ws.merge_cells("A5:A6")
    guide = wb.create_sheet("記入方法")
    guide.append(["黄色のセルに記入してください。"])
    wb.custom_doc_props.append(StringProperty(name="bunkyo:plan", value="文京区官民データ活用推進計画"))
    wb.custom_doc_props.append(IntProperty(name="bunkyo:fiscal_year", value=2020))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _rezip(base: bytes, *, replace: dict | None = None, add: dict | None = None, drop=()) -> bytes:
    """`base` with some entries replaced (bytes, or a function writing to a stream) or added."""
    replace, add = replace or {}, add or {}
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(base)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if info.filename in drop:
                continue
            content = replace.get(info.filename, src.read(info.filename))
            _write_entry(dst, info.filename, content)
        for filename, content in add.items():
            _write_entry(dst, filename, content)
    return out.getvalue()


def _write_entry(archive: zipfile.ZipFile, filename: str, content) -> None:
    if callable(content):
        with archive.open(filename, "w") as stream:
            content(stream)
    else:
        archive.writestr(filename, content)


def _spaces_sheet(size: int):
    """A worksheet part that is `size` bytes of blanks between its first and last tags."""

    def write(stream):
        stream.write(f'<worksheet xmlns="{MAIN_NS}"><dimension ref="A1"/><sheetData>'.encode())
        block = b" " * MB
        for _ in range(size // MB):
            stream.write(block)
        stream.write(b"</sheetData></worksheet>")

    return write


def _patch_central_directory(data: bytes, filename: str, *, file_size=None, flag_bits=None) -> bytes:
    """Change what the zip's central directory declares about one entry (the bytes stay)."""
    data = bytearray(data)
    end = data.rfind(b"PK\x05\x06")
    count, _size, offset = struct.unpack("<HII", data[end + 10 : end + 20])
    for _ in range(count):
        assert data[offset : offset + 4] == b"PK\x01\x02"
        name_len, extra_len, comment_len = struct.unpack("<HHH", data[offset + 28 : offset + 34])
        if data[offset + 46 : offset + 46 + name_len].decode() == filename:
            if file_size is not None:
                data[offset + 24 : offset + 28] = struct.pack("<I", file_size)
            if flag_bits is not None:
                data[offset + 8 : offset + 10] = struct.pack("<H", flag_bits)
            return bytes(data)
        offset += 46 + name_len + extra_len + comment_len
    raise AssertionError(f"{filename} not in the zip")


def _refusal(data: bytes, name: str = NAME, **limits) -> str:
    with pytest.raises(UnreadableWorkbook) as refused:
        open_uploaded_workbook(io.BytesIO(data), name=name, limits=UploadLimits(**limits))
    assert str(refused.value) == refused.value.message
    return refused.value.message


BILLION_LAUGHS = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10 if i > 1 else "&lol;" * 10}">' for i in range(1, 10))
    + "]>\n"
)


def _laughing_sheet() -> bytes:
    return (
        BILLION_LAUGHS
        + f'<worksheet xmlns="{MAIN_NS}"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is>'
        "</c></row></sheetData></worksheet>"
    ).encode()


def _with_shared_strings(base: bytes, strings: bytes) -> bytes:
    """The workbook with `strings` as its shared-strings part, registered so that openpyxl reads it."""
    with zipfile.ZipFile(io.BytesIO(base)) as archive:
        types = archive.read("[Content_Types].xml").decode()
    override = (
        '<Override PartName="/xl/sharedStrings.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
    )
    return _rezip(
        base,
        replace={"[Content_Types].xml": types.replace("</Types>", override + "</Types>").encode()},
        add={"xl/sharedStrings.xml": strings},
    )


def _laughing_shared_strings(base: bytes) -> bytes:
    """The workbook with a shared-strings part that laughs."""
    strings = (
        BILLION_LAUGHS + f'<sst xmlns="{MAIN_NS}" count="1" uniqueCount="1"><si><t>&lol9;</t></si></sst>'
    ).encode()
    return _with_shared_strings(base, strings)


def _many_strings(count: int) -> bytes:
    """A shared-strings table of `count` different short strings, declaring only one: issue 20's file."""
    body = "".join(f"<si><t>{number:x}</t></si>" for number in range(count))
    return f'<sst xmlns="{MAIN_NS}" count="1" uniqueCount="1">{body}</sst>'.encode()


# -- a good workbook -------------------------------------------------------------------------------


def test_a_template_opens_with_its_merged_ranges_custom_properties_and_formulas():
    data = _workbook_bytes()
    upload = SimpleUploadedFile(NAME, data, content_type="application/octet-stream")

    with open_uploaded_workbook(upload, name=upload.name) as book:
        assert book.name == NAME
        assert book.sha256 == hashlib.sha256(data).hexdigest()
        assert book.workbook.sheetnames == ["進捗", "記入方法"]
        assert book.merged_ranges == {"進捗": ["A1:C1", "A5:A6"], "記入方法": []}
        assert book.custom_properties == {
            "bunkyo:plan": "文京区官民データ活用推進計画",
            "bunkyo:fiscal_year": "2020",
        }
        rows = list(book.iter_rows("進捗", min_row=3, max_row=3))
        identifier, actual, total = rows[0]
        assert (identifier.value, actual.value, total.value) == ("M-001", 12, "=SUM(B3:B3)")
        assert [is_formula(cell) for cell in rows[0]] == [False, False, True]


def test_a_plain_binary_file_object_works_too_and_closing_closes_the_workbook(tmp_path):
    path = tmp_path / NAME
    path.write_bytes(_workbook_bytes())
    with path.open("rb") as file:
        book = open_uploaded_workbook(file, name=NAME)
    book.close()
    with pytest.raises(Exception):  # noqa: B017 - openpyxl's closed archive answers with its own error
        list(book.workbook["進捗"].values)


def test_a_workbook_of_5000_rows_and_17_columns_passes_the_limits_with_room():
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("進捗")
    ws.append([f"列{column}" for column in range(1, 18)])
    for row in range(5_000):
        ws.append(
            [f"M-{row:05d}", f"施策{row}の名称 オープンデータの推進", f"課{row % 40}", 2019 + row % 3]
            + [f"目標値{row}", "公開データセット数", row % 1000, "順調", row % 101]
            + [f"取組内容の説明 {row} " + "データ活用" * (row % 10), f"課題{row}", f"方向性{row}"]
            + [datetime.date(2020, 3, 31), row / 7, row * 3, None, "メモ"]
        )
    out = io.BytesIO()
    wb.save(out)
    data = out.getvalue()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        entries = archive.infolist()
        uncompressed = sum(entry.file_size for entry in entries)
        ratio = max(entry.file_size / entry.compress_size for entry in entries)
    elements = _element_counts(data)

    with open_uploaded_workbook(io.BytesIO(data), name=NAME) as book:
        assert sum(1 for _row in book.iter_rows("進捗", values_only=True)) == 5_001

    # Measured with openpyxl 3.1.5: 0.6 MB, 6.7 MB uncompressed, ratio 11, 5,001 rows (docs/import-limits.md).
    assert len(data) * 4 < DEFAULT_LIMITS.max_file_bytes
    assert uncompressed * 4 < DEFAULT_LIMITS.max_uncompressed_bytes
    assert ratio * 4 < DEFAULT_LIMITS.max_entry_ratio
    assert len(entries) * 4 < DEFAULT_LIMITS.max_entries
    assert 5_001 * 1.9 < DEFAULT_LIMITS.max_rows
    # Twice the rows, the row limit, still within: 80,017 cells (None writes none), 215,391 elements.
    assert elements["c"] * 2 < DEFAULT_LIMITS.max_cells
    assert elements.total() * 2 < DEFAULT_LIMITS.max_xml_elements


def _element_counts(data: bytes) -> Counter:
    """How many elements of each name the XML parts of a workbook hold."""
    counts: Counter = Counter()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for entry in archive.namelist():
            if entry.endswith((".xml", ".rels")):
                parser = xml.parsers.expat.ParserCreate()
                parser.StartElementHandler = lambda tag, attrs: counts.update([tag.rpartition(":")[2]])
                parser.Parse(archive.read(entry), True)
    return counts


# -- not an xlsx at all ----------------------------------------------------------------------------


def test_an_empty_file_is_refused():
    assert (
        _refusal(b"")
        == "「進捗_情報政策課.xlsx」は空のファイルです。記入したテンプレートを選び直してください。"
    )


def test_a_file_over_the_size_limit_is_refused_before_it_is_read():
    class Upload(io.BytesIO):
        size = 5 * MB + 1

        def read(self, *args):
            raise AssertionError("read although its declared size is too big")

    with pytest.raises(UnreadableWorkbook) as refused:
        open_uploaded_workbook(Upload(), name=NAME)
    assert refused.value.message == (
        "「進捗_情報政策課.xlsx」はファイルサイズが上限の5 MBを超えています。"
        "テンプレート以外のシートや画像を削除して保存し直してから、もう一度アップロードしてください。"
    )


def test_a_file_that_understates_its_size_is_refused_while_it_is_read():
    class Upload(io.BytesIO):
        size = 1000

    with pytest.raises(UnreadableWorkbook) as refused:
        open_uploaded_workbook(Upload(b"PK" + bytes(5 * MB)), name=NAME)
    assert "上限の5 MBを超えています" in refused.value.message


def test_a_file_without_a_declared_size_is_measured():
    assert _refusal(_workbook_bytes(), max_file_bytes=2048) == (
        "「進捗_情報政策課.xlsx」はファイルサイズが上限の2 KBを超えています。"
        "テンプレート以外のシートや画像を削除して保存し直してから、もう一度アップロードしてください。"
    )


CSV_MESSAGE = (
    "「進捗_情報政策課.xlsx」はCSVファイルのようです。"
    "Excel(.xlsx)形式で保存し直してから、もう一度アップロードしてください。"
)


@pytest.mark.parametrize(
    "content",
    [
        '施策ID,実績値,状況\nM-001,12,順調\nM-002,"3,000",遅れ\n'.encode(),
        "施策ID,実績値,状況\r\nM-001,12,順調\r\n".encode("cp932"),  # Excel's 「CSV (コンマ区切り)」
        "\ufeff施策ID,実績値\nM-001,12\n".encode(),  # 「CSV UTF-8」
        "施策ID\t実績値\nM-001\t12\n".encode("utf-16"),  # 「Unicode テキスト」
    ],
    ids=["utf-8", "cp932", "utf-8 with BOM", "utf-16 tab-separated"],
)
def test_a_csv_renamed_to_xlsx_is_refused_as_csv(content):
    assert _refusal(content) == CSV_MESSAGE


def test_a_text_file_is_refused_as_text():
    content = "令和2年度の進捗は別紙のとおりです。\n担当:情報政策課\n".encode()
    assert _refusal(content) == (
        "「進捗_情報政策課.xlsx」はテキストファイルのようです。"
        "Excelで開き、Excel(.xlsx)形式で保存し直してから、もう一度アップロードしてください。"
    )


def test_another_binary_file_is_refused_as_not_xlsx():
    assert _refusal(b"%PDF-1.7\n\x00\x01\x02\xff binary") == (
        "「進捗_情報政策課.xlsx」はExcel(.xlsx)形式のファイルではありません。"
        "ダウンロードしたテンプレートに記入し、Excel(.xlsx)形式で保存し直してから、もう一度アップロードしてください。"
    )


OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def test_an_old_xls_is_refused():
    content = OLE + bytes(504) + "Workbook".encode("utf-16-le") + bytes(2000)
    assert _refusal(content) == (
        "「進捗_情報政策課.xlsx」は古いExcel(.xls)形式のファイルです。"
        "Excelで開き、.xlsx形式で保存し直してから、もう一度アップロードしてください。"
    )


def test_a_password_protected_xlsx_is_refused_with_what_to_do():
    # What Excel writes for 「パスワードを使用して暗号化」: an OLE file with these streams.
    directory = "EncryptionInfo".encode("utf-16-le") + bytes(50) + "EncryptedPackage".encode("utf-16-le")
    content = OLE + bytes(504) + directory + bytes(2000)
    assert _refusal(content) == (
        "「進捗_情報政策課.xlsx」はパスワードで保護されています。"
        "Excelでパスワードを解除してから、もう一度アップロードしてください。"
    )


def test_a_zip_with_an_encrypted_entry_is_refused_as_password_protected():
    data = _patch_central_directory(_workbook_bytes(), SHEET, flag_bits=0x1)
    assert "パスワードで保護されています" in _refusal(data)


NOT_WORKBOOK = (
    "「進捗_情報政策課.xlsx」はZIP形式ですが、Excelのブックではありません(Wordの文書など)。"
    "記入したテンプレート(.xlsx)を選んでください。"
)


def test_a_word_document_is_refused():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as docx:
        docx.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        docx.writestr("word/document.xml", '<?xml version="1.0"?><w:document/>')
    assert _refusal(out.getvalue()) == NOT_WORKBOOK


def test_a_plain_zip_is_refused():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as plain:
        plain.writestr("進捗.csv", "施策ID,実績値\n")
    assert _refusal(out.getvalue()) == NOT_WORKBOOK


def test_an_opendocument_spreadsheet_is_refused_with_what_to_do():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as ods:  # as LibreOffice writes it: mimetype first, stored
        ods.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        ods.writestr("content.xml", '<?xml version="1.0"?><office:document-content/>', zipfile.ZIP_DEFLATED)
    assert _refusal(out.getvalue()) == (
        "「進捗_情報政策課.xlsx」はOpenDocument(.ods)形式のファイルです。"
        "Excel(.xlsx)形式で保存し直してから、もう一度アップロードしてください。"
    )


CORRUPT = (
    "「進捗_情報政策課.xlsx」は壊れているため読み込めません。"
    "Excelで開けることを確かめ、Excel(.xlsx)形式で保存し直してから、もう一度アップロードしてください。"
)


def test_a_truncated_xlsx_is_refused_as_corrupt():
    data = _workbook_bytes()
    assert _refusal(data[: len(data) // 2]) == CORRUPT


def test_a_workbook_part_that_is_not_xml_is_refused_as_corrupt():
    data = _rezip(_workbook_bytes(), replace={"xl/workbook.xml": b"this is not xml"})
    assert _refusal(data) == CORRUPT


def test_a_broken_sheet_is_refused_naming_the_sheet():
    data = _rezip(
        _workbook_bytes(), replace={SHEET: f'<worksheet xmlns="{MAIN_NS}"><sheetData><row'.encode()}
    )
    message = _refusal(data)
    assert message in (
        CORRUPT,  # openpyxl reads the sheet's dimension while opening
        "「進捗_情報政策課.xlsx」のシート「進捗」は壊れているため読み込めません。"
        "Excelで開けることを確かめ、Excel(.xlsx)形式で保存し直してから、もう一度アップロードしてください。",
    )


def test_a_cell_openpyxl_cannot_convert_is_refused_when_its_rows_are_read():
    sheet = f'<worksheet xmlns="{MAIN_NS}"><sheetData><row r="1"><c r="A1" t="n"><v>abc</v></c></row></sheetData></worksheet>'
    data = _rezip(_workbook_bytes(), replace={SHEET: sheet.encode()})
    with open_uploaded_workbook(io.BytesIO(data), name=NAME) as book:
        with pytest.raises(UnreadableWorkbook) as refused:
            list(book.iter_rows("進捗"))
    assert refused.value.message == (
        "「進捗_情報政策課.xlsx」のシート「進捗」は壊れているため読み込めません。"
        "Excelで開けることを確かめ、Excel(.xlsx)形式で保存し直してから、もう一度アップロードしてください。"
    )


# -- the archive's limits --------------------------------------------------------------------------


def test_too_many_entries_are_refused():
    padding = {f"xl/media/image{number}.png": b"x" for number in range(DEFAULT_LIMITS.max_entries)}
    data = _rezip(_workbook_bytes(), add=padding)
    assert _refusal(data) == (
        "「進捗_情報政策課.xlsx」は内部のファイル数が上限(500個)を超えているため読み込めません。"
        "ダウンロードしたテンプレートに記入し、Excel(.xlsx)形式で保存し直してから、もう一度アップロードしてください。"
    )


TOO_LARGE = (
    "「進捗_情報政策課.xlsx」は展開後のサイズが上限の50 MBを超えるため読み込めません。"
    "テンプレート以外のシートや画像を削除して保存し直してから、もう一度アップロードしてください。"
)


@pytest.fixture(scope="module")
def zip_bomb(tmp_path_factory) -> Path:
    """A real workbook whose sheet is 200 MB of blanks, deflated to a few hundred KB."""
    path = tmp_path_factory.mktemp("bombs") / "bomb.xlsx"
    path.write_bytes(_rezip(_workbook_bytes(), replace={SHEET: _spaces_sheet(200 * MB)}))
    return path


def test_a_zip_bomb_is_refused_by_its_declared_size(zip_bomb):
    assert zip_bomb.stat().st_size < 1 * MB
    assert _refusal(zip_bomb.read_bytes()) == TOO_LARGE


def test_an_entry_with_an_extreme_compression_ratio_is_refused():
    data = _rezip(_workbook_bytes(), replace={SHEET: _spaces_sheet(20 * MB)})  # under the 50 MB total
    assert _refusal(data) == (
        "「進捗_情報政策課.xlsx」は圧縮率が異常に高い部分を含むため、安全のため読み込みません。"
        "ダウンロードしたテンプレートに記入し、Excel(.xlsx)形式で保存し直してから、もう一度アップロードしてください。"
    )


def test_a_zip_bomb_that_understates_its_size_inflates_no_further_than_declared(zip_bomb):
    data = _patch_central_directory(zip_bomb.read_bytes(), SHEET, file_size=1 * MB)
    message = _refusal(data)
    assert message in (
        CORRUPT,
        "「進捗_情報政策課.xlsx」のシート「進捗」は壊れているため読み込めません。"
        "Excelで開けることを確かめ、Excel(.xlsx)形式で保存し直してから、もう一度アップロードしてください。",
    )


def test_what_this_module_inflates_itself_is_counted_whatever_the_entry_declares():
    # zipfile stops at the declared size already (the test above); this is the second guard,
    # the reader every entry this module parses goes through.
    from rounds.xlsx_upload import _Budget

    data = _rezip(_workbook_bytes(), replace={SHEET: _spaces_sheet(2 * MB)})
    budget = _Budget(1 * MB, NAME)
    with zipfile.ZipFile(io.BytesIO(data)) as archive, budget.open(archive, archive.getinfo(SHEET)) as stream:
        with pytest.raises(UnreadableWorkbook) as refused:
            while stream.read(64 * 1024):
                pass
    assert refused.value.message == (
        "「進捗_情報政策課.xlsx」は展開後のサイズが上限の1 MBを超えるため読み込めません。"
        "テンプレート以外のシートや画像を削除して保存し直してから、もう一度アップロードしてください。"
    )
    assert budget.left == -1  # it inflated one byte past the limit, no more


MEASURE = """
import json, resource, sys, time, tracemalloc
from rounds.xlsx_upload import UnreadableWorkbook, open_uploaded_workbook
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
tracemalloc.start()
started = time.perf_counter()
try:
    with open(sys.argv[1], "rb") as file:
        open_uploaded_workbook(file, name="bomb.xlsx").close()
    message = None
except UnreadableWorkbook as refused:
    message = refused.message
seconds = time.perf_counter() - started
traced_peak = tracemalloc.get_traced_memory()[1]
growth_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
print(json.dumps({"message": message, "seconds": seconds, "traced_peak": traced_peak, "rss_growth_kb": growth_kb}))
"""


def _measure_in_subprocess(path: Path) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", MEASURE, str(path)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(done.stdout)


@pytest.mark.parametrize(
    "understated, message",
    [
        (
            False,
            "「bomb.xlsx」は展開後のサイズが上限の50 MBを超えるため読み込めません。"
            "テンプレート以外のシートや画像を削除して保存し直してから、もう一度アップロードしてください。",
        ),
        (
            True,
            "「bomb.xlsx」のシート「進捗」は壊れているため読み込めません。"
            "Excelで開けることを確かめ、Excel(.xlsx)形式で保存し直してから、もう一度アップロードしてください。",
        ),
    ],
    ids=["declared", "understated"],
)
def test_a_zip_bomb_leaves_the_server_quick_and_its_memory_bounded(zip_bomb, tmp_path, understated, message):
    path = zip_bomb
    if understated:
        path = tmp_path / "understated.xlsx"
        path.write_bytes(_patch_central_directory(zip_bomb.read_bytes(), SHEET, file_size=1 * MB))

    measured = _measure_in_subprocess(path)

    assert measured["message"] == message
    assert measured["seconds"] < 10
    # Inflated whole, the sheet alone would take 200 MB.
    assert measured["traced_peak"] < 20 * MB
    assert measured["rss_growth_kb"] < 60 * 1024


# -- XML entities ----------------------------------------------------------------------------------


XML_ENTITIES = (
    "「進捗_情報政策課.xlsx」は安全のため読み込めない記述(XMLのDOCTYPE宣言やエンティティ定義)を含んでいます。"
    "ダウンロードしたテンプレートに記入し、Excel(.xlsx)形式で保存し直してから、もう一度アップロードしてください。"
)


def test_a_billion_laughs_in_a_sheet_is_refused():
    data = _rezip(_workbook_bytes(), replace={SHEET: _laughing_sheet()})
    assert _refusal(data) == XML_ENTITIES


def test_a_billion_laughs_in_the_shared_strings_is_refused():
    assert _refusal(_laughing_shared_strings(_workbook_bytes())) == XML_ENTITIES


def test_openpyxl_itself_refuses_the_entities_because_defusedxml_is_installed():
    assert openpyxl.DEFUSEDXML is True
    data = _laughing_shared_strings(_workbook_bytes())
    with pytest.raises(ValueError) as refused:
        openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    assert isinstance(refused.value.__cause__, DefusedXmlException)


# -- rows and columns ------------------------------------------------------------------------------


def _sheet_with(rows_xml: str, dimension: str = "") -> bytes:
    dimension = f'<dimension ref="{dimension}"/>' if dimension else ""
    return f'<worksheet xmlns="{MAIN_NS}">{dimension}<sheetData>{rows_xml}</sheetData></worksheet>'.encode()


TOO_MANY_ROWS = (
    "「進捗_情報政策課.xlsx」は行数が上限の10,000行を超えています。"
    "ファイルを分け、1ファイル10,000行以内にしてからアップロードしてください。"
)


def test_more_rows_than_the_limit_are_refused():
    rows = "".join(f'<row r="{r}"><c r="A{r}"><v>{r}</v></c></row>' for r in range(1, 10_002))
    data = _rezip(_workbook_bytes(), replace={SHEET: _sheet_with(rows)})
    assert _refusal(data) == TOO_MANY_ROWS


def test_rows_of_all_sheets_count_together():
    rows = "".join(f'<row r="{r}"><c r="A{r}"><v>{r}</v></c></row>' for r in range(1, 10_001))
    data = _rezip(_workbook_bytes(), replace={SHEET: _sheet_with(rows)})  # and 記入方法 has one row
    open_uploaded_workbook(io.BytesIO(data), name=NAME, limits=UploadLimits(max_rows=10_001)).close()
    assert _refusal(data) == TOO_MANY_ROWS


def test_one_cell_far_down_counts_every_row_above_it():
    data = _rezip(
        _workbook_bytes(), replace={SHEET: _sheet_with('<row r="1048576"><c r="A1048576"><v>1</v></c></row>')}
    )
    assert _refusal(data) == TOO_MANY_ROWS


def test_a_dimension_larger_than_the_limits_is_refused():
    data = _rezip(
        _workbook_bytes(),
        replace={SHEET: _sheet_with('<row r="1"><c r="A1"><v>1</v></c></row>', "A1:B20000")},
    )
    assert _refusal(data) == TOO_MANY_ROWS


def test_a_cell_beyond_the_column_limit_is_refused():
    data = _rezip(
        _workbook_bytes(), replace={SHEET: _sheet_with('<row r="1"><c r="XFD1"><v>1</v></c></row>')}
    )
    assert _refusal(data) == (
        "「進捗_情報政策課.xlsx」のシート「進捗」は列数が上限の256列を超えています。"
        "テンプレートの列より右に入力した値や書式を削除してから、もう一度アップロードしてください。"
    )


def test_more_merged_ranges_than_the_limit_are_refused():
    merges = "".join(f'<mergeCell ref="A{r}:B{r}"/>' for r in range(1, 1_002))
    sheet = (
        f'<worksheet xmlns="{MAIN_NS}"><sheetData/><mergeCells count="1001">{merges}</mergeCells></worksheet>'
    )
    data = _rezip(_workbook_bytes(), replace={SHEET: sheet.encode()})
    assert _refusal(data) == (
        "「進捗_情報政策課.xlsx」は結合セルが上限の1,000か所を超えています。"
        "セルの結合を解除してから、もう一度アップロードしてください。"
    )
    with open_uploaded_workbook(
        io.BytesIO(data), name=NAME, limits=UploadLimits(max_merged_ranges=1_001)
    ) as book:
        assert len(book.merged_ranges["進捗"]) == 1_001


# -- what openpyxl reads: strings, cells, XML elements (issue 20) ------------------------------------

TOO_MANY_STRINGS = (
    "「進捗_情報政策課.xlsx」は文字列の数が上限の250,000個を超えています。"
    "ファイルを分けるか、テンプレート以外のシートや表の外に入力した文字を削除して保存し直してから、"
    "もう一度アップロードしてください。"
)


def test_a_million_shared_strings_are_refused_before_openpyxl_reads_them(monkeypatch):
    """A few MB of short strings passed every limit, and openpyxl read them all into memory when
    it opened the file: 800,000 held a worker for 7.5 s and 124 MB."""
    import rounds.xlsx_upload

    data = _with_shared_strings(_workbook_bytes(), _many_strings(1_000_000))
    assert len(data) < DEFAULT_LIMITS.max_file_bytes

    def never(*args, **kwargs):
        raise AssertionError("openpyxl was given the file")

    monkeypatch.setattr(rounds.xlsx_upload, "load_workbook", never)
    assert _refusal(data) == TOO_MANY_STRINGS


def test_shared_strings_up_to_the_limit_open():
    data = _with_shared_strings(_workbook_bytes(), _many_strings(1_000))
    open_uploaded_workbook(io.BytesIO(data), name=NAME, limits=UploadLimits(max_shared_strings=1_000)).close()
    assert _refusal(data, max_shared_strings=999) == TOO_MANY_STRINGS.replace("250,000", "999")


ROW_OR_STRING_TOO_COMPLEX = (
    "「進捗_情報政策課.xlsx」には、内部の記述(XMLの要素)が上限の10,000個を超える行または文字列があります。"
    "セルの一部の文字だけにつけた書式(太字や色など)を解除して保存し直してから、もう一度アップロードしてください。"
)


def test_one_string_of_thousands_of_formatting_runs_is_refused():
    """openpyxl holds a string's elements together: one string of a million runs took 12.7 s and 568 MB."""
    runs = "".join(f"<r><t>{number:x}</t></r>" for number in range(5_001))
    data = _with_shared_strings(_workbook_bytes(), f'<sst xmlns="{MAIN_NS}"><si>{runs}</si></sst>'.encode())
    assert _refusal(data) == ROW_OR_STRING_TOO_COMPLEX


def test_one_row_of_thousands_of_elements_is_refused():
    runs = "".join(f"<r><t>{number:x}</t></r>" for number in range(5_001))
    cell = f'<c r="A1" t="inlineStr"><is>{runs}</is></c>'
    data = _rezip(_workbook_bytes(), replace={SHEET: _sheet_with(f'<row r="1">{cell}</row>')})
    assert _refusal(data) == ROW_OR_STRING_TOO_COMPLEX


HELD = (
    "「進捗_情報政策課.xlsx」は表の外の記述(書式や入力規則など。XMLの要素)が上限の1,000個を超えているため"
    "読み込めません。不要な書式や条件付き書式、テンプレート以外のシートを削除して保存し直してから、"
    "もう一度アップロードしてください。"
)


def test_elements_outside_the_rows_of_a_sheet_are_limited():
    """openpyxl streams a sheet's rows but keeps everything else of it until the sheet is read:
    1.5 million elements in its extension list took 638 MB."""
    sheet = f'<worksheet xmlns="{MAIN_NS}"><sheetData/><extLst>{"<ext/>" * 1_001}</extLst></worksheet>'
    data = _rezip(_workbook_bytes(), replace={SHEET: sheet.encode()})
    open_uploaded_workbook(
        io.BytesIO(_workbook_bytes()), name=NAME, limits=UploadLimits(max_held_elements=1_000)
    ).close()
    assert _refusal(data, max_held_elements=1_000) == HELD


def test_rows_are_counted_as_written_too():
    """The same row number written again is one more row for openpyxl to yield and keep."""
    data = _rezip(_workbook_bytes(), replace={SHEET: _sheet_with('<row r="1"/>' * 101)})
    assert _refusal(data, max_rows=100) == TOO_MANY_ROWS.replace("10,000", "100")


def test_elements_outside_the_strings_are_limited():
    strings = f'<sst xmlns="{MAIN_NS}"><si><t>a</t></si>{"<x/>" * 1_001}</sst>'.encode()
    data = _with_shared_strings(_workbook_bytes(), strings)
    assert _refusal(data, max_held_elements=1_000) == HELD


def test_a_part_openpyxl_reads_whole_gets_no_rows_to_spare():
    """xl/styles.xml is parsed whole whatever [Content_Types].xml calls it: dressed and registered
    as a sheet, its rows still count as kept."""
    base = _workbook_bytes()
    with zipfile.ZipFile(io.BytesIO(base)) as archive:
        types = archive.read("[Content_Types].xml").decode()
    assert "spreadsheetml.styles+xml" in types
    rows = "".join(f'<row r="{row}"/>' for row in range(1, 1_002))
    data = _rezip(
        base,
        replace={
            "[Content_Types].xml": types.replace(
                "spreadsheetml.styles+xml", "spreadsheetml.worksheet+xml"
            ).encode(),
            "xl/styles.xml": _sheet_with(rows),
        },
    )
    assert _refusal(data, max_held_elements=1_000) == HELD


def test_a_part_is_streamed_only_as_what_the_content_types_say():
    """openpyxl reads the shared strings from the part [Content_Types].xml names, keeping all but
    its strings: a sheet's rows there are kept, however the part dresses."""
    rows = "".join(f'<row r="{row}"/>' for row in range(1, 1_002))
    data = _with_shared_strings(_workbook_bytes(), _sheet_with(rows))
    assert _refusal(data, max_held_elements=1_000) == HELD


def test_more_xml_elements_than_the_limit_are_refused():
    """Elements openpyxl passes over cost time too: 1,001 empty ones in a sheet's extension list."""
    sheet = f'<worksheet xmlns="{MAIN_NS}"><sheetData/><extLst>{"<ext/>" * 1_001}</extLst></worksheet>'
    data = _rezip(_workbook_bytes(), replace={SHEET: sheet.encode()})
    open_uploaded_workbook(
        io.BytesIO(_workbook_bytes()), name=NAME, limits=UploadLimits(max_xml_elements=1_000)
    ).close()
    assert _refusal(data, max_xml_elements=1_000) == (
        "「進捗_情報政策課.xlsx」は内部の記述(XMLの要素)が上限の1,000個を超えているため読み込めません。"
        "ファイルを分けるか、テンプレート以外のシートや書式を削除して保存し直してから、もう一度アップロードしてください。"
    )


TOO_MANY_CELLS = (
    "「進捗_情報政策課.xlsx」はセルの数が上限の1,000個を超えています。"
    "ファイルを分けるか、テンプレート以外のシートや表の外に入力した値を削除して保存し直してから、"
    "もう一度アップロードしてください。"
)


def test_cells_are_counted_as_written_not_by_the_area_they_span():
    """The same cell written again and again passes the row and column limits; each is parsed."""
    cells = "".join(f'<c r="A1"><v>{number}</v></c>' for number in range(250))
    data = _rezip(_workbook_bytes(), replace={SHEET: _sheet_with(f'<row r="1">{cells}</row>' * 5)})
    assert _refusal(data, max_cells=1_000) == TOO_MANY_CELLS


def test_a_row_of_more_cells_than_columns_is_refused():
    """openpyxl keeps a row's cells together: 250,000 copies of A1 on one row took it 180 MB."""
    cells = "".join(f'<c r="A1"><v>{number}</v></c>' for number in range(257))
    data = _rezip(_workbook_bytes(), replace={SHEET: _sheet_with(f'<row r="1">{cells}</row>')})
    assert _refusal(data) == (
        "「進捗_情報政策課.xlsx」のシート「進捗」は列数が上限の256列を超えています。"
        "テンプレートの列より右に入力した値や書式を削除してから、もう一度アップロードしてください。"
    )


def test_cells_of_all_sheets_count_together():
    rows = "".join(f'<row r="{row}"><c r="A{row}"><v>{row}</v></c></row>' for row in range(1, 601))
    one = _rezip(_workbook_bytes(), replace={SHEET: _sheet_with(rows)})
    open_uploaded_workbook(io.BytesIO(one), name=NAME, limits=UploadLimits(max_cells=1_000)).close()
    both = _rezip(one, replace={"xl/worksheets/sheet2.xml": _sheet_with(rows)})  # 記入方法 too
    assert _refusal(both, max_cells=1_000) == TOO_MANY_CELLS
