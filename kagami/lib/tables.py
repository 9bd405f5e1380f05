"""Reading the spreadsheets town offices keep: CSV (UTF-8, or the Shift_JIS/CP932 that Excel
writes in Japan) and XLSX, into rows of named string fields.

Used by the personnel-transfer import (人事異動) and the account-register import.
"""

import csv
import io
from datetime import date, datetime
from typing import Any

from django.utils.translation import gettext as _

from kagami.lib.errors import DomainError

MAX_ROWS = 5000


class TableFileError(DomainError):
    """The file itself cannot be read; nothing is stored or applied."""


def read_table(
    name: str,
    content: bytes,
    *,
    columns: dict[str, str],
    required: dict[str, str],
) -> list[dict[str, str]]:
    """Rows of the uploaded file as dicts keyed by our field names.

    `columns` maps accepted header texts to field names; `required` maps the field names
    that must be present to the header shown in the error message.
    """
    lower = name.lower()
    if lower.endswith(".xlsx"):
        table = _xlsx_rows(content)
    elif lower.endswith((".csv", ".txt")):
        table = _csv_rows(content)
    else:
        raise TableFileError(_("CSV（.csv）または Excel（.xlsx）のファイルを選んでください。"))
    table = [row for row in table if any(cell.strip() for cell in row)]
    if not table:
        raise TableFileError(_("ファイルに行がありません。"))
    header = [columns.get(cell.strip().lstrip("\ufeff"), "") for cell in table[0]]
    missing = [label for field, label in required.items() if field not in header]
    if missing:
        raise TableFileError(
            _("1行目に必要な列がありません: %(columns)s") % {"columns": "、".join(missing)}
        )
    if len(table) - 1 > MAX_ROWS:
        raise TableFileError(_("一度に取り込めるのは %(max)s 行までです。") % {"max": MAX_ROWS})
    fields = set(columns.values())
    rows = []
    for cells in table[1:]:
        row = dict.fromkeys(fields, "")
        for key, cell in zip(header, cells, strict=False):
            if key:
                row[key] = cell.strip()
        rows.append(row)
    return rows


def _csv_rows(content: bytes) -> list[list[str]]:
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
    try:
        return [list(row) for row in csv.reader(io.StringIO(text))]
    except csv.Error as exc:
        raise TableFileError(_("CSV の形式が正しくありません: %(error)s") % {"error": exc}) from exc


def _xlsx_rows(content: bytes) -> list[list[str]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a damaged file
        raise TableFileError(
            _("Excel ファイルを開けません。ファイルが壊れていないか確認してください。")
        ) from exc
    sheet = book.worksheets[0]
    rows = [[_cell_text(value) for value in values] for values in sheet.iter_rows(values_only=True)]
    book.close()
    return rows


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
