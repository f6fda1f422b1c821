"""Opening an uploaded .xlsx safely: every refusal a Japanese sentence naming the file, never a 500.

An .xlsx is a zip of XML parts, so a small upload can expand to gigabytes (a zip bomb) and an
XML part can declare entities that expand exponentially ("billion laughs"). The checks run in
this order, each before anything costlier:

1. the upload's own size, from its declared size, then counted while reading (never read past the limit);
2. what the bytes are: empty, an old .xls or a password-protected .xlsx (OLE compound files),
   a CSV or text file, not a zip at all;
3. the zip's central directory: number of entries, a workbook part, total and per-entry
   uncompressed sizes as declared;
4. every XML part, streamed whole with defusedxml ([Content_Types].xml first): a DOCTYPE (the
   only place an entity can be declared) is refused, and the elements are counted against their
   limits (all of them, those openpyxl would keep, those of one row or string, the shared
   strings), because openpyxl reads the shared strings, the styles, the workbook and the
   properties when it opens the file, and keeps all of a sheet but its rows until it is read;
5. openpyxl opens it (read-only; with defusedxml installed it refuses entity declarations itself);
6. every worksheet is streamed once, with defusedxml's SAX parser, through a bounded reader:
   merged ranges are collected (up to a limit) and rows, columns and cells counted against theirs,
   so the caller's row loop never meets a sheet it cannot afford.

So the work of opening a file and reading its rows grows with what a template at the row limit
holds, and no further, whatever the file is made of.

Declared sizes are not trusted on their own: zipfile stops inflating an entry at its declared
size and then fails its CRC check, and every byte this module inflates itself also goes through
a reader that counts it against the limit. docs/import-limits.md states each limit and its reason.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import logging
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any
from xml.sax.handler import ContentHandler

import defusedxml.sax
from defusedxml import DefusedXmlException
from openpyxl import load_workbook
from openpyxl.utils.cell import column_index_from_string, coordinate_from_string, range_boundaries
from openpyxl.xml.constants import SHARED_STRINGS, WORKSHEET_TYPE

logger = logging.getLogger(__name__)

MB = 1024 * 1024

# The upload itself. A department's filled template is about 10-30 KB; a workbook of 5,000
# rows x 17 columns is 0.6 MB written by openpyxl and 0.65 MB by LibreOffice. 5 MB leaves
# room for a few pictures or extra sheets and is read into memory whole without concern.
MAX_FILE_BYTES = 5 * MB
# All the entries of the zip, uncompressed. The 5,000-row workbook is 6.7 MB (openpyxl) to
# 13.4 MB (LibreOffice, whose shared strings are larger); 50 MB takes twice the row limit
# in LibreOffice's form and bounds the XML that openpyxl and this module parse.
MAX_UNCOMPRESSED_BYTES = 50 * MB
# Uncompressed size / compressed size of one entry. Real parts measured 1.4-25 (openpyxl)
# and up to 49 (LibreOffice's shared strings); deflate reaches about 1,000 on repeated bytes,
# which is what a zip bomb is made of. 200 is four times the highest real ratio.
MAX_ENTRY_RATIO = 200
# The ratio is checked on entries at least this large: a ratio says nothing about a small
# part (a few KB cannot hurt), and the total limit covers many small ones.
RATIO_CHECK_MIN_BYTES = 64 * 1024
# Entries in the zip. A workbook has 10 (openpyxl, one sheet) to a few dozen (Excel, with
# several sheets, drawings and printer settings); 500 is far beyond that and keeps the
# central directory and the per-entry checks small.
MAX_ENTRIES = 500
# Rows in all the sheets of one file, counted as openpyxl's row loop would yield them (up to
# the highest row number used). The benchmark of issue 13 uploads 5,000 rows; twice that
# still previews within a request's time limit, and the whole plan has far fewer measures.
MAX_ROWS = 10_000
# Columns in any sheet: openpyxl pads every row to the sheet's widest column, so one stray
# cell in column XFD would make each row 16,384 cells long. The template has 17 columns;
# 256 is the old .xls width.
MAX_COLUMNS = 256
# Merged ranges in all the sheets of one file, each kept as text. The template merges a few
# title cells; the upload refuses merged cells in its rows anyway. 1,000 keeps a sheet of
# nothing but <mergeCell> elements (a few million in 50 MB) from filling memory.
MAX_MERGED_RANGES = 1_000
# Cells in all the sheets of one file, as written (<c> elements), not the area they span: a cell
# written again and again passes the row and column limits, and each is parsed. The template at
# the row limit holds 170,000 (10,000 rows x 17 columns); the manager's workbook averages under
# 25 a row however many years its plan has (施策別進捗: 9 columns and 8 a year, then 17 on each
# year's sheet for the same measure), so 250,000 takes any file within the row limit.
MAX_CELLS = 250_000
# Strings in the shared-strings table (<si>). openpyxl reads every one into memory when it opens
# a file, before a row is read: 800,000 short ones (3 MB) took 7.5 s and 124 MB (issue 20). Excel
# and LibreOffice keep each different text once and drop those no cell shows, so a file has no
# more than it has cells; LibreOffice saved the template at the row limit with 21,599.
MAX_SHARED_STRINGS = MAX_CELLS
# XML elements in one row of a sheet, or in one shared string: openpyxl streams those one at a
# time, holding each whole while it reads it. One string of a million runs of formatting took
# 12.7 s and 568 MB. LibreOffice writes a run of 6 or 7 elements wherever the font changes between
# Japanese and Latin text (平成|4|年度|(1992): the longest string of the template at the row limit
# had 97, a row of 17 cells 35. 10,000 is some 1,500 runs, a few MB.
MAX_ROW_OR_STRING_ELEMENTS = 10_000
# XML elements that openpyxl keeps in memory until it has read a part: all of a part it parses
# whole (the workbook, the styles, the properties), and all of a sheet or of the shared strings but
# their rows and strings (each emptied once read, and counted against the row and string limits).
# 1.5 million in a sheet's extension list took 638 MB. The template at the row limit keeps a few
# hundred (its columns, input rules, page set-up, styles); a heavily formatted workbook some tens
# of thousands. 100,000 is some 40 MB.
MAX_HELD_ELEMENTS = 100_000
# XML elements in all the parts of one file: what openpyxl and this module parse, element by
# element. The template at the row limit measured 425,000 written by openpyxl and 1,076,000 saved
# by LibreOffice (740,000 of them its formatted shared strings, which openpyxl read in 3.6 s).
# 1,500,000 keeps the cost of any file near that of the largest real one.
MAX_XML_ELEMENTS = 1_500_000

# The first bytes of an OLE compound file: an old .xls, or a password-protected .xlsx.
OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# An encrypted OOXML file is an OLE file holding a stream of this name (MS-OFFCRYPTO 2.3.4.4);
# directory entries store names in UTF-16LE.
_ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")
_WORKBOOK_PART = "xl/workbook.xml"
_CHUNK = 64 * 1024
# How much of a non-zip file is looked at to tell CSV or text from anything else.
_SNIFF_BYTES = 64 * 1024


@dataclass(frozen=True)
class UploadLimits:
    max_file_bytes: int = MAX_FILE_BYTES
    max_uncompressed_bytes: int = MAX_UNCOMPRESSED_BYTES
    max_entry_ratio: int = MAX_ENTRY_RATIO
    max_entries: int = MAX_ENTRIES
    max_rows: int = MAX_ROWS
    max_columns: int = MAX_COLUMNS
    max_merged_ranges: int = MAX_MERGED_RANGES
    max_cells: int = MAX_CELLS
    max_shared_strings: int = MAX_SHARED_STRINGS
    max_row_or_string_elements: int = MAX_ROW_OR_STRING_ELEMENTS
    max_held_elements: int = MAX_HELD_ELEMENTS
    max_xml_elements: int = MAX_XML_ELEMENTS


DEFAULT_LIMITS = UploadLimits()


class UnreadableWorkbook(Exception):
    """message: a Japanese sentence for the user saying what is wrong and what to do."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


# What the user reads. Each names the file and says what to do next.
_SAVE_AGAIN = "Excel(.xlsx)形式で保存し直してから、もう一度アップロードしてください。"
EMPTY = "「{name}」は空のファイルです。記入したテンプレートを選び直してください。"
TOO_BIG = (
    "「{name}」はファイルサイズが上限の{limit}を超えています。"
    "テンプレート以外のシートや画像を削除して保存し直してから、もう一度アップロードしてください。"
)
CSV_FILE = "「{name}」はCSVファイルのようです。" + _SAVE_AGAIN
TEXT_FILE = "「{name}」はテキストファイルのようです。Excelで開き、" + _SAVE_AGAIN
NOT_XLSX = (
    "「{name}」はExcel(.xlsx)形式のファイルではありません。"
    "ダウンロードしたテンプレートに記入し、" + _SAVE_AGAIN
)
OLD_XLS = "「{name}」は古いExcel(.xls)形式のファイルです。Excelで開き、.xlsx形式で保存し直してから、もう一度アップロードしてください。"
PASSWORD = "「{name}」はパスワードで保護されています。Excelでパスワードを解除してから、もう一度アップロードしてください。"
NOT_WORKBOOK = (
    "「{name}」はZIP形式ですが、Excelのブックではありません(Wordの文書など)。"
    "記入したテンプレート(.xlsx)を選んでください。"
)
ODS = "「{name}」はOpenDocument(.ods)形式のファイルです。" + _SAVE_AGAIN
CORRUPT = "「{name}」は壊れているため読み込めません。Excelで開けることを確かめ、" + _SAVE_AGAIN
TOO_MANY_ENTRIES = (
    "「{name}」は内部のファイル数が上限({limit:,}個)を超えているため読み込めません。"
    "ダウンロードしたテンプレートに記入し、" + _SAVE_AGAIN
)
TOO_LARGE_UNCOMPRESSED = (
    "「{name}」は展開後のサイズが上限の{limit}を超えるため読み込めません。"
    "テンプレート以外のシートや画像を削除して保存し直してから、もう一度アップロードしてください。"
)
EXTREME_RATIO = (
    "「{name}」は圧縮率が異常に高い部分を含むため、安全のため読み込みません。"
    "ダウンロードしたテンプレートに記入し、" + _SAVE_AGAIN
)
XML_ENTITIES = (
    "「{name}」は安全のため読み込めない記述(XMLのDOCTYPE宣言やエンティティ定義)を含んでいます。"
    "ダウンロードしたテンプレートに記入し、" + _SAVE_AGAIN
)
TOO_MANY_ROWS = (
    "「{name}」は行数が上限の{limit:,}行を超えています。"
    "ファイルを分け、1ファイル{limit:,}行以内にしてからアップロードしてください。"
)
TOO_MANY_COLUMNS = (
    "「{name}」のシート「{sheet}」は列数が上限の{limit:,}列を超えています。"
    "テンプレートの列より右に入力した値や書式を削除してから、もう一度アップロードしてください。"
)
TOO_MANY_MERGED = (
    "「{name}」は結合セルが上限の{limit:,}か所を超えています。"
    "セルの結合を解除してから、もう一度アップロードしてください。"
)
TOO_MANY_CELLS = (
    "「{name}」はセルの数が上限の{limit:,}個を超えています。"
    "ファイルを分けるか、テンプレート以外のシートや表の外に入力した値を削除して保存し直してから、"
    "もう一度アップロードしてください。"
)
TOO_MANY_STRINGS = (
    "「{name}」は文字列の数が上限の{limit:,}個を超えています。"
    "ファイルを分けるか、テンプレート以外のシートや表の外に入力した文字を削除して保存し直してから、"
    "もう一度アップロードしてください。"
)
ROW_OR_STRING_TOO_COMPLEX = (
    "「{name}」には、内部の記述(XMLの要素)が上限の{limit:,}個を超える行または文字列があります。"
    "セルの一部の文字だけにつけた書式(太字や色など)を解除して保存し直してから、もう一度アップロードしてください。"
)
TOO_MANY_HELD = (
    "「{name}」は表の外の記述(書式や入力規則など。XMLの要素)が上限の{limit:,}個を超えているため読み込めません。"
    "不要な書式や条件付き書式、テンプレート以外のシートを削除して保存し直してから、もう一度アップロードしてください。"
)
TOO_MANY_ELEMENTS = (
    "「{name}」は内部の記述(XMLの要素)が上限の{limit:,}個を超えているため読み込めません。"
    "ファイルを分けるか、テンプレート以外のシートや書式を削除して保存し直してから、もう一度アップロードしてください。"
)
SHEET_CORRUPT = (
    "「{name}」のシート「{sheet}」は壊れているため読み込めません。Excelで開けることを確かめ、" + _SAVE_AGAIN
)


@dataclass(eq=False)
class UploadedWorkbook:
    """An uploaded workbook that passed every check; close it (or use `with`) when done."""

    name: str
    sha256: str
    workbook: Any  # openpyxl's Workbook, read-only, formulas kept as formulas
    merged_ranges: dict[str, list[str]]
    custom_properties: dict[str, str]

    def iter_rows(self, title: str, **kwargs) -> Iterator[tuple]:
        """The rows of one sheet, as openpyxl's iter_rows(**kwargs) yields them.

        A read-only sheet is parsed while it is iterated; a cell openpyxl cannot convert
        (e.g. <v>abc</v> in a number cell) raises UnreadableWorkbook naming the sheet.
        """
        try:
            yield from self.workbook[title].iter_rows(**kwargs)
        except Exception as error:
            logger.info("upload %r: sheet %r unreadable", self.name, title, exc_info=error)
            raise UnreadableWorkbook(SHEET_CORRUPT.format(name=self.name, sheet=title)) from error

    def close(self) -> None:
        self.workbook.close()

    def __enter__(self) -> UploadedWorkbook:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()


def is_formula(cell) -> bool:
    """True for a formula cell of a workbook opened with data_only=False (its value is '=...')."""
    return getattr(cell, "data_type", None) == "f"


def open_uploaded_workbook(
    file: IO[bytes], *, name: str, limits: UploadLimits = DEFAULT_LIMITS
) -> UploadedWorkbook:
    """Open `file` (a Django UploadedFile or a seekable binary file) or raise UnreadableWorkbook."""
    data = _read_upload(file, name, limits)
    _refuse_other_formats(data, name)
    archive = _open_archive(data, name)
    try:
        _check_archive(archive, name, limits)
        # Each pass may inflate at most the limit, whatever the entries declare.
        _check_xml_parts(archive, name, limits, _Budget(limits.max_uncompressed_bytes, name))
        workbook = _load(data, name)
        try:
            budget = _Budget(limits.max_uncompressed_bytes, name)
            merged_ranges = _scan_worksheets(archive, workbook, name, limits, budget)
            custom_properties = _custom_properties(workbook)
        except BaseException:
            workbook.close()
            raise
    finally:
        archive.close()
    return UploadedWorkbook(
        name=name,
        sha256=hashlib.sha256(data).hexdigest(),
        workbook=workbook,
        merged_ranges=merged_ranges,
        custom_properties=custom_properties,
    )


def _refuse(message: str, name: str, error: BaseException | None = None, **values) -> UnreadableWorkbook:
    """The exception to raise, logged with its cause for whoever runs the server."""
    text = message.format(name=name, **values)
    logger.info("upload refused: %s", text, exc_info=error)
    return UnreadableWorkbook(text)


def _size_text(size: int) -> str:
    if size >= MB and size % MB == 0:
        return f"{size // MB:,} MB"
    if size >= 1024:
        return f"{size / 1024:,.0f} KB"
    return f"{size:,} バイト"


def _read_upload(file: IO[bytes], name: str, limits: UploadLimits) -> bytes:
    """All the bytes of the upload, refusing before reading when its declared size is too big."""
    limit = limits.max_file_bytes
    size = getattr(file, "size", None)  # Django's UploadedFile knows it
    if size is None:
        file.seek(0, io.SEEK_END)
        size = file.tell()
    if size > limit:
        raise _refuse(TOO_BIG, name, limit=_size_text(limit))
    file.seek(0)
    chunks, total = [], 0
    while chunk := file.read(_CHUNK):
        total += len(chunk)
        if total > limit:  # the declared size was wrong
            raise _refuse(TOO_BIG, name, limit=_size_text(limit))
        chunks.append(chunk)
    if not total:
        raise _refuse(EMPTY, name)
    return b"".join(chunks)


def _refuse_other_formats(data: bytes, name: str) -> None:
    """Refuse what is plainly not an .xlsx, with what it seems to be."""
    if data.startswith(OLE_SIGNATURE):
        # The stream name can only appear in an encrypted OOXML package's directory; an old
        # .xls with a password (RC4 inside the workbook stream) reads as an old .xls, which
        # has to be re-saved as .xlsx anyway.
        raise _refuse(PASSWORD if _ENCRYPTED_PACKAGE in data else OLD_XLS, name)
    if zipfile.is_zipfile(io.BytesIO(data)):
        return
    if data.startswith(b"PK"):  # a zip without its end: a truncated upload or download
        raise _refuse(CORRUPT, name)
    kind = _text_kind(data[:_SNIFF_BYTES], truncated=len(data) > _SNIFF_BYTES)
    raise _refuse({"csv": CSV_FILE, "text": TEXT_FILE}.get(kind, NOT_XLSX), name)


def _text_kind(sample: bytes, *, truncated: bool) -> str | None:
    """'csv', 'text' or None (binary) for the start of a file that is not a zip."""
    for bom, encoding in (
        (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
    ):
        if sample.startswith(bom):
            encodings, sample = [encoding], sample[len(bom) :]
            break
    else:
        if b"\x00" in sample:
            return None
        encodings = ["utf-8", "cp932"]  # Excel in Japan saves CSV as Shift_JIS (cp932)
    for encoding in encodings:
        try:
            text = codecs.getincrementaldecoder(encoding)().decode(sample, final=not truncated)
            break
        except UnicodeDecodeError:
            continue
    else:
        return None
    if any(ch < " " and ch not in "\t\r\n\f" for ch in text):
        return None
    lines = [line for line in text.splitlines() if line.strip()]
    if truncated:
        lines = lines[:-1]  # may be cut short
    lines = lines[:20]
    for delimiter in (",", "\t"):
        widths = {len(row) for row in csv.reader(lines, delimiter=delimiter)}
        if len(widths) == 1 and widths.pop() >= 2:
            return "csv"
    return "text"


def _open_archive(data: bytes, name: str) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(io.BytesIO(data))
    except Exception as error:  # BadZipFile, or a header zipfile cannot make sense of
        raise _refuse(CORRUPT, name, error) from error


def _check_archive(archive: zipfile.ZipFile, name: str, limits: UploadLimits) -> None:
    """The central directory's own figures, before any entry is inflated."""
    entries = archive.infolist()
    if len(entries) > limits.max_entries:
        raise _refuse(TOO_MANY_ENTRIES, name, limit=limits.max_entries)
    if _WORKBOOK_PART not in {entry.filename for entry in entries}:
        raise _refuse(ODS if _is_opendocument_spreadsheet(archive) else NOT_WORKBOOK, name)
    if any(entry.flag_bits & 0x1 for entry in entries):  # zip's own (legacy) encryption
        raise _refuse(PASSWORD, name)
    if sum(entry.file_size for entry in entries) > limits.max_uncompressed_bytes:
        raise _refuse(TOO_LARGE_UNCOMPRESSED, name, limit=_size_text(limits.max_uncompressed_bytes))
    for entry in entries:
        if entry.file_size >= RATIO_CHECK_MIN_BYTES and entry.file_size > limits.max_entry_ratio * max(
            entry.compress_size, 1
        ):
            raise _refuse(EXTREME_RATIO, name)


def _is_opendocument_spreadsheet(archive: zipfile.ZipFile) -> bool:
    """LibreOffice's own format: its first entry, `mimetype`, names it (a few dozen bytes)."""
    try:
        info = archive.getinfo("mimetype")
        if info.file_size > 100:
            return False
        return archive.read(info) == b"application/vnd.oasis.opendocument.spreadsheet"
    except Exception:  # missing, or unreadable: just not an .ods
        return False


class _Budget:
    """The uncompressed bytes this module may still inflate, whatever the zip declares."""

    def __init__(self, limit: int, name: str):
        self.limit = limit
        self.left = limit
        self.name = name

    def open(self, archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> _BoundedReader:
        return _BoundedReader(archive.open(info), self)


class _BoundedReader(io.RawIOBase):
    """A read-only stream of one entry that stops the upload once the budget is spent."""

    def __init__(self, raw: IO[bytes], budget: _Budget):
        self._raw = raw
        self._budget = budget

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        # Never ask for more than one byte past the budget: zipfile inflates no more than asked.
        data = self._raw.read(min(len(buffer), _CHUNK, self._budget.left + 1))
        self._budget.left -= len(data)
        if self._budget.left < 0:
            raise _refuse(TOO_LARGE_UNCOMPRESSED, self._budget.name, limit=_size_text(self._budget.limit))
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        self._raw.close()
        super().close()


def _xml_parser(handler: ContentHandler):
    parser = defusedxml.sax.make_parser()
    # Entities and external references are refused by default; an xlsx part never has a
    # DOCTYPE at all, so refuse that too, before any declaration in it is read.
    parser.forbid_dtd = True
    parser.setContentHandler(handler)
    return parser


class _Limit(Exception):
    def __init__(self, message: str, **values):
        self.message = message
        self.values = values


_CONTENT_TYPES = "[Content_Types].xml"
# What openpyxl streams one element at a time, by the content type [Content_Types].xml gives the
# part: a worksheet's rows, the shared strings' strings. It keeps every other element of a part.
_STREAMED_BY_TYPE = {WORKSHEET_TYPE: "row", SHARED_STRINGS: "si"}
# Parts openpyxl parses whole by their names, whatever content type they are given (and every .rels).
_READ_WHOLE = frozenset(
    {_CONTENT_TYPES, _WORKBOOK_PART, "xl/styles.xml", "docProps/core.xml", "docProps/custom.xml"}
)


@dataclass
class _Counts:
    """What the parts of one file hold, counted against the limits as they stream past."""

    limits: UploadLimits
    elements: int = 0
    strings: int = 0
    held: int = 0

    def element(self) -> None:
        self.elements += 1
        if self.elements > self.limits.max_xml_elements:
            raise _Limit(TOO_MANY_ELEMENTS, limit=self.limits.max_xml_elements)

    def string(self) -> None:
        self.strings += 1
        if self.strings > self.limits.max_shared_strings:
            raise _Limit(TOO_MANY_STRINGS, limit=self.limits.max_shared_strings)

    def hold(self) -> None:
        self.held += 1
        if self.held > self.limits.max_held_elements:
            raise _Limit(TOO_MANY_HELD, limit=self.limits.max_held_elements)


class _PartHandler(ContentHandler):
    """Counts one XML part's elements as openpyxl would read and keep them.

    ``streamed``: "row" or "si" when openpyxl streams those of this part one at a time (each is
    emptied once read and counted as a row or a string), else "": it keeps the whole part.
    Shared strings are counted in every part: openpyxl finds <si> anywhere in the one it reads.
    """

    def __init__(self, *, counts: _Counts, streamed: str = ""):
        super().__init__()
        self.counts = counts
        self.limits = counts.limits
        self.streamed = streamed
        self._depth = 0  # inside one streamed row or string: how deep
        self._item_elements = 0
        self.content_types: dict[str, str] = {}  # of [Content_Types].xml: part name → content type

    def startElement(self, qname, attrs):
        tag = qname.rpartition(":")[2]  # "si", or "x:si" from producers that prefix the namespace
        self.counts.element()
        if tag == "si":
            self.counts.string()
        elif tag == "Override":
            part, kind = attrs.get("PartName", "").lstrip("/"), attrs.get("ContentType", "")
            # A part given two types may be read whole as either: it is streamed by neither.
            self.content_types[part] = kind if self.content_types.get(part, kind) == kind else ""
        if self._depth:
            self._depth += 1
            self._item_elements += 1
            if self._item_elements > self.limits.max_row_or_string_elements:
                raise _Limit(ROW_OR_STRING_TOO_COMPLEX, limit=self.limits.max_row_or_string_elements)
        elif tag == self.streamed:
            self._depth, self._item_elements = 1, 0
        else:
            self.counts.hold()

    def endElement(self, qname):
        if self._depth:
            self._depth -= 1


def _check_xml_parts(archive: zipfile.ZipFile, name: str, limits: UploadLimits, budget: _Budget) -> None:
    """Stream every XML part whole before openpyxl reads any: no DOCTYPE (entities can only be
    declared there), and no more elements and shared strings than the limits."""
    counts = _Counts(limits)
    parts = [info for info in archive.infolist() if info.filename.endswith((".xml", ".rels"))]
    # [Content_Types].xml first, wherever it is in the zip (openpyxl writes it last): it says
    # which parts openpyxl streams. Pictures, printer settings and VML (not well-formed XML in
    # Excel's files) are never parsed.
    parts.sort(key=lambda info: info.filename != _CONTENT_TYPES)
    content_types: dict[str, str] = {}
    for info in parts:
        path = info.filename
        read_whole = path in _READ_WHOLE or path.endswith(".rels")
        streamed = "" if read_whole else _STREAMED_BY_TYPE.get(content_types.get(path, ""), "")
        handler = _PartHandler(counts=counts, streamed=streamed)
        parser = _xml_parser(handler)
        try:
            with budget.open(archive, info) as stream:
                while chunk := stream.read(_CHUNK):
                    parser.feed(chunk)
            parser.close()  # a part with no element at all, or cut short, is not XML
        except UnreadableWorkbook:
            raise
        except _Limit as limit:
            raise _refuse(limit.message, name, **limit.values) from None
        except DefusedXmlException as error:
            raise _refuse(XML_ENTITIES, name, error) from error
        except Exception as error:  # SAXParseException, BadZipFile (CRC), zlib.error, ...
            if streamed != "row":
                raise _refuse(CORRUPT, name, error) from error
            # A sheet broken in its rows: _scan_worksheets meets the same break with the same
            # parser, before any row is read, and names the sheet.
        if path == _CONTENT_TYPES:
            content_types = handler.content_types


def _load(data: bytes, name: str):
    try:
        return load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception as error:  # openpyxl wraps XML errors in ValueError, and raises many others
        cause: BaseException | None = error
        while cause is not None:
            if isinstance(cause, DefusedXmlException):
                raise _refuse(XML_ENTITIES, name, error) from error
            cause = cause.__cause__ or cause.__context__
        raise _refuse(CORRUPT, name, error) from error


class _SheetHandler(ContentHandler):
    """Collects the merged ranges of one worksheet and checks its rows, columns and cells as they stream.

    Rows and columns are taken from the cell references and the <dimension> element, because
    openpyxl's read-only loop yields every row up to the highest number and pads each row to
    the widest column, empty or not.
    """

    def __init__(
        self, *, title: str, rows_before: int, merged_before: int, cells_before: int, limits: UploadLimits
    ):
        super().__init__()
        self.title = title
        self.rows_before = rows_before
        self.merged_before = merged_before
        self.cells = cells_before
        self.rows_written = 0  # <row> elements: the same number written again is one more row to read
        self.limits = limits
        self.merged: list[str] = []
        self.max_row = 0
        self._row = 0
        self._column = 0
        self._row_cells = 0

    def _see(self, row: int, column: int) -> None:
        if column > self.limits.max_columns:
            raise _Limit(TOO_MANY_COLUMNS, sheet=self.title, limit=self.limits.max_columns)
        if row > self.max_row:
            self.max_row = row
            if self.rows_before + row > self.limits.max_rows:
                raise _Limit(TOO_MANY_ROWS, limit=self.limits.max_rows)

    def startElement(self, qname, attrs):
        tag = qname.rpartition(":")[2]  # "c", or "x:c" from producers that prefix the namespace
        if tag == "c":
            self.cells += 1
            if self.cells > self.limits.max_cells:
                raise _Limit(TOO_MANY_CELLS, limit=self.limits.max_cells)
            # openpyxl holds a row's cells together, and the same reference written again is one
            # more of them: no row has more cells than columns.
            self._row_cells += 1
            if self._row_cells > self.limits.max_columns:
                raise _Limit(TOO_MANY_COLUMNS, sheet=self.title, limit=self.limits.max_columns)
            ref = attrs.get("r")
            if ref:
                letters, row = coordinate_from_string(ref)
                self._column = column_index_from_string(letters)
            else:  # a cell without a reference follows the previous one
                row, self._column = self._row, self._column + 1
            self._see(row, self._column)
        elif tag == "row":
            ref = attrs.get("r")
            self._row = int(ref) if ref else self._row + 1
            self._column = self._row_cells = 0
            self.rows_written += 1
            if self.rows_before + self.rows_written > self.limits.max_rows:
                raise _Limit(TOO_MANY_ROWS, limit=self.limits.max_rows)
            self._see(self._row, 0)
        elif tag == "mergeCell":
            if self.merged_before + len(self.merged) >= self.limits.max_merged_ranges:
                raise _Limit(TOO_MANY_MERGED, limit=self.limits.max_merged_ranges)
            self.merged.append(attrs["ref"])
        elif tag == "dimension":
            ref = attrs.get("ref", "")
            if ref:
                _min_col, _min_row, max_col, max_row = range_boundaries(ref)
                self._see(max_row or 0, max_col or 0)


def _scan_worksheets(
    archive, workbook, name: str, limits: UploadLimits, budget: _Budget
) -> dict[str, list[str]]:
    """Stream each worksheet once: its merged ranges, and the row, column and cell limits."""
    merged: dict[str, list[str]] = {}
    rows = merged_count = cells = 0
    for sheet in workbook.worksheets:
        # Read-only worksheets keep the part they are read from; openpyxl has no public name for it.
        path = sheet._worksheet_path
        handler = _SheetHandler(
            title=sheet.title, rows_before=rows, merged_before=merged_count, cells_before=cells, limits=limits
        )
        parser = _xml_parser(handler)
        try:
            with budget.open(archive, archive.getinfo(path)) as stream:
                parser.parse(io.BufferedReader(stream, _CHUNK))
        except UnreadableWorkbook:
            raise
        except _Limit as limit:
            raise _refuse(limit.message, name, **limit.values) from None
        except DefusedXmlException as error:
            raise _refuse(XML_ENTITIES, name, error) from error
        except Exception as error:  # SAXParseException, a bad reference, BadZipFile (CRC), ...
            raise _refuse(SHEET_CORRUPT, name, error, sheet=sheet.title) from error
        merged[sheet.title] = handler.merged
        rows += max(handler.max_row, handler.rows_written)
        merged_count += len(handler.merged)
        cells = handler.cells
    return merged


def _custom_properties(workbook) -> dict[str, str]:
    """docProps/custom.xml as openpyxl read it (its parser: defusedxml, or lxml without entities)."""
    return {
        prop.name: "" if prop.value is None else str(prop.value) for prop in workbook.custom_doc_props.props
    }
