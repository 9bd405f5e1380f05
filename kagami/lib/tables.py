"""Reading the spreadsheets town offices keep: CSV (UTF-8, or the Shift_JIS/CP932 that Excel
writes in Japan) and XLSX, into rows of named string fields.

Used by the personnel-transfer import (人事異動) and the account-register import. Whatever the
file holds, the outcome is rows or a TableFileError saying in Japanese what is wrong with it;
the limits below are checked before anything large is built. An XLSX file is a zip of XML
parts, and a few bytes of it can declare a row 99,999,999,999 or unpack to gigabytes, so the
package is measured and every XML part scanned as a stream (`_check_package`) before openpyxl
opens it read-only, and the sheet is read row by row up to MAX_SHEET_ROWS.
"""

import csv
import io
import re
import unicodedata
import zipfile
import zlib
from collections.abc import Iterator
from datetime import date, datetime
from typing import Any
from xml.parsers import expat

from django.utils.translation import gettext as _

from kagami.lib.errors import DomainError

MAX_FILE_BYTES = 5 * 1024 * 1024  # what the upload forms accept, checked again here
MAX_ROWS = 5000  # data rows taken in one go
MAX_SHEET_ROWS = 10_000  # rows read at all: header and blank rows included
MAX_COLUMNS = 100  # columns read; cells further right are ignored
MAX_CELL_LENGTH = 1000  # characters in one value of a column we keep

# Limits on the inside of an XLSX package (a legitimate file of MAX_ROWS rows is far below).
MAX_XLSX_PARTS = 500
MAX_XLSX_UNPACKED_BYTES = 30 * 1024 * 1024
MAX_XML_ELEMENTS = 1_500_000  # in all parts together
MAX_XML_STRUCTURE_ELEMENTS = 100_000  # outside the cell data and the shared strings
MAX_XML_ROW_ELEMENTS = 5_000  # inside one row of a sheet
MAX_XML_ROWS = 100_000  # rows of any one sheet, also those we do not read
MAX_SHARED_STRINGS = 200_000

# The key under which each row carries its line in the file (a string, like the values).
LINE_KEY = "_line"

WORKBOOK_TYPES = {
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.template.main+xml",
    "application/vnd.ms-excel.sheet.macroEnabled.main+xml",
    "application/vnd.ms-excel.template.macroEnabled.main+xml",
}
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls, and any password-protected Office file
ZIP_MAGIC = b"PK\x03\x04"
# Line breaks and tabs inside a cell (Alt+Enter in Excel) become one space; any other control
# character refuses the file: PostgreSQL cannot store NUL, and none belongs in these fields.
LINE_BREAKS = re.compile(r"[\t\r\n]+")


class TableFileError(DomainError):
    """The file itself cannot be read; nothing is stored or applied."""


def read_table(
    name: str,
    content: bytes,
    *,
    columns: dict[str, str],
    required: dict[str, str],
) -> list[dict[str, str]]:
    """Rows of the uploaded file as dicts keyed by our field names, each with its line in the
    file under LINE_KEY.

    `columns` maps accepted header texts to field names; `required` maps the field names
    that must be present to the header shown in the error message. The first non-blank row is
    the header; blank rows are left out.
    """
    if len(content) > MAX_FILE_BYTES:
        raise TableFileError(
            _("ファイルが大きすぎます（%(max)s MB まで）。")
            % {"max": MAX_FILE_BYTES // (1024 * 1024)}
        )
    lower = name.lower()
    if lower.endswith(".xlsx"):
        table = _xlsx_rows(content)
    elif lower.endswith((".csv", ".txt")):
        table = _csv_rows(content)
    else:
        raise TableFileError(_("CSV（.csv）または Excel（.xlsx）のファイルを選んでください。"))
    if not table:
        raise TableFileError(_("ファイルに行がありません。"))
    _header_line, header_cells = table[0]
    labels = [cell.strip().lstrip("\ufeff") for cell in header_cells]
    header = [columns.get(label, "") for label in labels]
    missing = [label for field, label in required.items() if field not in header]
    if missing:
        raise TableFileError(
            _("1行目に必要な列がありません: %(columns)s") % {"columns": "、".join(missing)}
        )
    if len(table) - 1 > MAX_ROWS:
        raise TableFileError(_("一度に取り込めるのは %(max)s 行までです。") % {"max": MAX_ROWS})
    fields = set(columns.values())
    rows = []
    problems = []
    for line, cells in table[1:]:
        row = dict.fromkeys(fields, "")
        for key, label, cell in zip(header, labels, cells, strict=False):
            if not key:
                continue
            value = LINE_BREAKS.sub(" ", cell.strip())
            problem = _value_problem(value, line, label)
            if problem:
                problems.append(problem)
            row[key] = value
        row[LINE_KEY] = str(line)
        rows.append(row)
    if problems:
        shown = " ".join(problems[:10])
        if len(problems) > 10:
            shown += _("（ほか %(count)s 件）") % {"count": len(problems) - 10}
        raise TableFileError(
            _("取り込めない値があります。ファイルを直してから取り込み直してください。%(problems)s")
            % {"problems": shown}
        )
    return rows


def row_line(row: dict[str, str], default: int) -> int:
    """The line of `row` in its file, or `default` for rows kept before lines were recorded."""
    try:
        return int(row.get(LINE_KEY) or default)
    except ValueError:
        return default


def _value_problem(value: str, line: int, column: str) -> str | None:
    if len(value) > MAX_CELL_LENGTH:
        return _("%(line)s 行目の「%(column)s」が長すぎます（%(max)s文字まで）。") % {
            "line": line,
            "column": column,
            "max": MAX_CELL_LENGTH,
        }
    if any(unicodedata.category(char) in ("Cc", "Cs") for char in value):
        return _(
            "%(line)s 行目の「%(column)s」に、画面に表示されない制御文字（NUL など）が含まれています。"
        ) % {"line": line, "column": column}
    return None


# CSV ----------------------------------------------------------------------------------------
def _csv_rows(content: bytes) -> list[tuple[int, list[str]]]:
    if content.startswith(ZIP_MAGIC) or content.startswith(OLE_MAGIC):
        raise TableFileError(
            _(
                "このファイルは CSV ではなく Excel 形式です。拡張子を .xlsx にするか、CSV で保存し直してください。"
            )
        )
    if content.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise TableFileError(
            _(
                "UTF-16（Unicode テキスト）のファイルは読めません。「CSV UTF-8（コンマ区切り）」で保存し直してください。"
            )
        )
    for encoding in ("utf-8-sig", "cp932"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise TableFileError(
            _("文字コードを読み取れません。UTF-8 または Shift_JIS で保存してください。")
        )
    reader = csv.reader(io.StringIO(text))
    table = []
    line = 0
    try:
        for cells in reader:
            line += 1
            if line > MAX_SHEET_ROWS:
                raise _too_many_rows()
            if any(cell.strip() for cell in cells):
                table.append((line, cells[:MAX_COLUMNS]))
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):
            raise TableFileError(
                _(
                    '%(line)s 行目あたりに長すぎる値があります。引用符（"）の閉じ忘れがないか確認してください。'
                )
                % {"line": line + 1}
            ) from exc
        raise TableFileError(
            _("CSV の形式が正しくありません（%(line)s 行目あたり）。") % {"line": line + 1}
        ) from exc
    return table


def _too_many_rows() -> TableFileError:
    return TableFileError(
        _(
            "シートの行が多すぎます（空の行も含めて %(max)s 行まで）。空の行に書式や罫線が付いている場合は、その行を削除して保存し直してください。"
        )
        % {"max": MAX_SHEET_ROWS}
    )


# XLSX ---------------------------------------------------------------------------------------
class _TooComplex(Exception):
    pass


class _Unsafe(Exception):
    pass


def _xlsx_rows(content: bytes) -> list[tuple[int, list[str]]]:
    if content.startswith(OLE_MAGIC):
        raise TableFileError(
            _(
                "古い Excel 形式（.xls）か、パスワード付きのファイルは読めません。パスワードを外し、Excel ブック（.xlsx）として保存し直してください。"
            )
        )
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError) as exc:
        raise TableFileError(
            _(
                "Excel ファイルを開けません。Excel ブック（.xlsx）ではないか、ファイルが壊れています。"
            )
        ) from exc
    with archive:
        _check_package(archive)
    return _sheet_rows(content)


def _check_package(archive: zipfile.ZipFile) -> None:
    """Refuse a package that is not a workbook or unpacks to too much, before openpyxl."""
    infos = archive.infolist()
    if len(infos) > MAX_XLSX_PARTS or (
        sum(info.file_size for info in infos) > MAX_XLSX_UNPACKED_BYTES
    ):
        raise _too_complex()
    names = {info.filename for info in infos}
    if "[Content_Types].xml" not in names:
        raise _no_workbook()
    budget = _Budget()
    parts: list[tuple[str, str]] = []
    _scan_xml(archive, archive.getinfo("[Content_Types].xml"), budget, parts)
    # Where openpyxl looks: an override naming the part, or a default type and the usual name.
    workbooks = {part.lstrip("/") for part, kind in parts if kind in WORKBOOK_TYPES}
    if "" in workbooks:
        workbooks.discard("")
        workbooks.add("xl/workbook.xml")
    if not workbooks & names:
        raise _no_workbook()
    for info in infos:
        if info.filename != "[Content_Types].xml" and info.filename.lower().endswith(
            (".xml", ".rels")
        ):
            _scan_xml(archive, info, budget, None)


class _Budget:
    def __init__(self) -> None:
        self.elements = 0
        self.structure = 0
        self.strings = 0


def _scan_xml(
    archive: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    budget: _Budget,
    parts: list[tuple[str, str]] | None,
) -> None:
    """Stream one XML part through expat, counting elements without building any: no DTD
    (entity bombs), at most MAX_XML_ROW_ELEMENTS in a row, and the budgets of the package.
    `parts` collects (part name, content type) when this is [Content_Types].xml."""
    if info.flag_bits & 0x1:
        raise TableFileError(
            _("パスワード付きのファイルは読めません。パスワードを外して保存し直してください。")
        )
    parser = expat.ParserCreate()
    depth = bulk = row = in_row = rows = 0

    def start(name: str, attrs: dict[str, str]) -> None:
        nonlocal depth, bulk, row, in_row, rows
        depth += 1
        budget.elements += 1
        local = name.rpartition(":")[2]
        if row:
            in_row += 1
            if in_row > MAX_XML_ROW_ELEMENTS:
                raise _TooComplex
        elif bulk:
            if local == "row":
                row, in_row, rows = depth, 0, rows + 1
                if rows > MAX_XML_ROWS:
                    raise _TooComplex
            elif local == "si":
                budget.strings += 1
                if budget.strings > MAX_SHARED_STRINGS:
                    raise _TooComplex
        elif local in ("sheetData", "sst"):
            bulk = depth
        else:
            budget.structure += 1
        if budget.elements > MAX_XML_ELEMENTS or budget.structure > MAX_XML_STRUCTURE_ELEMENTS:
            raise _TooComplex
        if parts is not None and local in ("Override", "Default"):
            parts.append((attrs.get("PartName", ""), attrs.get("ContentType", "")))

    def end(name: str) -> None:
        nonlocal depth, bulk, row
        if depth == row:
            row = 0
        if depth == bulk:
            bulk = 0
        depth -= 1

    def refuse(*args: Any) -> None:
        raise _Unsafe

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    try:
        with archive.open(info) as stream:
            while chunk := stream.read(64 * 1024):
                parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except _TooComplex:
        raise _too_complex() from None
    except _Unsafe:
        raise TableFileError(
            _(
                "Excel ファイルに、表計算では使われない記述（DTD）が含まれているため、安全のため読みません。Excel で開いて保存し直してください。"
            )
        ) from None
    except expat.ExpatError as exc:
        raise TableFileError(
            _(
                "Excel ファイルの中身が壊れています（%(part)s の %(line)s 行目を読めません）。Excel で開けるか確認し、保存し直してください。"
            )
            % {"part": info.filename, "line": exc.lineno}
        ) from exc
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError) as exc:
        raise TableFileError(
            _(
                "Excel ファイルが壊れています（%(part)s を展開できません）。Excel で開けるか確認し、保存し直してください。"
            )
            % {"part": info.filename}
        ) from exc


def _too_complex() -> TableFileError:
    return TableFileError(
        _(
            "Excel ファイルの中身が多すぎて読めません（行・セル・書式が多すぎるなど）。必要な表だけを新しいブックに貼り付けて、保存し直してください。"
        )
    )


def _no_workbook() -> TableFileError:
    return TableFileError(
        _("Excel ブックの本体が見つかりません。ZIP ファイルなどを選んでいないか確認してください。")
    )


def _sheet_rows(content: bytes) -> list[tuple[int, list[str]]]:
    """The non-blank rows of the first sheet with their line numbers, read as a stream."""
    from openpyxl import load_workbook
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet

    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a damaged file
        raise TableFileError(
            _("Excel ファイルを開けません。ファイルが壊れていないか確認してください。")
        ) from exc
    try:
        if not book.worksheets:
            raise TableFileError(_("Excel ファイルに表のシートがありません。"))
        sheet = book.worksheets[0]
        if not isinstance(sheet, ReadOnlyWorksheet):  # pragma: no cover (read_only=True)
            raise TableFileError(_("Excel ファイルを開けません。"))
        if (sheet.max_row or 0) > MAX_SHEET_ROWS:
            raise _too_many_rows()
        # Read past a declared size that is too small; our own count stops at the limit.
        sheet.reset_dimensions()
        return list(_nonblank(sheet.iter_rows(max_col=MAX_COLUMNS, values_only=True)))
    finally:
        book.close()


def _nonblank(values: Iterator[tuple[Any, ...]]) -> Iterator[tuple[int, list[str]]]:
    """Rows as text with their line numbers. Missing rows arrive as blank ones, so a row
    numbered 99,999,999,999 stops the reading at MAX_SHEET_ROWS."""
    line = 0
    while True:
        try:
            cells = next(values)
        except StopIteration:
            return
        except Exception as exc:  # a cell openpyxl cannot convert: "12a" marked as a number …
            raise TableFileError(
                _(
                    "Excel ファイルの %(line)s 行目に読めないセルがあります（数値のセルに文字が入っているなど）。そのセルを入力し直して保存してください。"
                )
                % {"line": line + 1}
            ) from exc
        line += 1
        if line > MAX_SHEET_ROWS:
            raise _too_many_rows()
        texts = [_cell_text(value) for value in cells]
        if any(text.strip() for text in texts):
            yield line, texts


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def parse_date(text: str) -> date | None:
    """A date written as 2027-04-01, 2027/4/1, 2027.4.1 or 2027年4月1日."""
    text = text.strip().replace("/", "-").replace(".", "-")
    for pattern in ("%Y-%m-%d", "%Y年%m月%d日"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None
