"""Reading uploaded spreadsheets: every malformed file gets a message, none an exception, and a
few crafted bytes cannot make the server build millions of rows."""

import io
import tracemalloc
import zipfile
from datetime import date

import pytest
from openpyxl import Workbook

from kagami.lib import tables
from kagami.lib.tables import LINE_KEY, TableFileError, read_table

COLUMNS = {"番号": "number", "氏名": "name", "発令日": "date"}
REQUIRED = {"number": "番号"}

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
DOC_RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
WORKBOOK_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
SHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
HEADER_ROW = (
    '<row r="1"><c r="A1" t="inlineStr"><is><t>番号</t></is></c>'
    '<c r="B1" t="inlineStr"><is><t>氏名</t></is></c></row>'
)
ONE_SHEET = '<sheet name="異動" sheetId="1" r:id="rId1"/>'


def crafted_xlsx(
    rows: str = HEADER_ROW,
    *,
    dimension: str = "",
    sheets: str = ONE_SHEET,
    sheet_xml: str | None = None,
    workbook: bool = True,
) -> bytes:
    """A minimal workbook written by hand, so that it can say what Excel never would."""
    parts = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            + (
                f'<Override PartName="/xl/workbook.xml" ContentType="{WORKBOOK_TYPE}"/>'
                if workbook
                else ""
            )
            + f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{SHEET_TYPE}"/>'
            "</Types>"
        ),
        "_rels/.rels": (
            f'<Relationships xmlns="{RELS}"><Relationship Id="rId1" '
            f'Type="{DOC_RELS}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
        ),
        "xl/workbook.xml": (
            f'<workbook xmlns="{MAIN}" xmlns:r="{DOC_RELS}"><sheets>{sheets}</sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            f'<Relationships xmlns="{RELS}"><Relationship Id="rId1" '
            f'Type="{DOC_RELS}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
        ),
        "xl/worksheets/sheet1.xml": sheet_xml
        or (
            f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN}">{dimension}'
            f"<sheetData>{rows}</sheetData></worksheet>"
        ),
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in parts.items():
            archive.writestr(name, text)
    return buffer.getvalue()


def read(name: str, content: bytes) -> list[dict[str, str]]:
    return read_table(name, content, columns=COLUMNS, required=REQUIRED)


def test_a_crafted_row_number_is_refused_without_building_the_rows() -> None:
    content = crafted_xlsx(
        HEADER_ROW + '<row r="99999999999"><c r="A99999999999"><v>1</v></c></row>'
    )
    assert len(content) < 2000
    tracemalloc.start()
    try:
        with pytest.raises(TableFileError, match="シートの行が多すぎます"):
            read("idou.xlsx", content)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 20 * 1024 * 1024


@pytest.mark.parametrize(
    "dimension", ['<dimension ref="A1:B99999999999"/>', '<dimension ref="A1:B2"/>']
)
def test_a_declared_size_cannot_hide_or_inflate_rows(dimension: str) -> None:
    content = crafted_xlsx(
        HEADER_ROW + '<row r="99999999999"><c><v>1</v></c></row>', dimension=dimension
    )
    with pytest.raises(TableFileError, match="シートの行が多すぎます"):
        read("idou.xlsx", content)


def test_rows_up_to_the_limit_are_read_and_one_more_is_refused() -> None:
    def sheet(count: int) -> bytes:
        rows = "".join(
            f'<row r="{n}"><c r="A{n}"><v>{n}</v></c></row>' for n in range(2, count + 1)
        )
        return crafted_xlsx(HEADER_ROW + rows)

    assert len(read("idou.xlsx", sheet(tables.MAX_ROWS + 1))) == tables.MAX_ROWS
    with pytest.raises(TableFileError, match="5000 行まで"):
        read("idou.xlsx", sheet(tables.MAX_ROWS + 2))
    blank_tail = HEADER_ROW + f'<row r="{tables.MAX_SHEET_ROWS + 1}"/>'
    with pytest.raises(TableFileError, match="空の行も含めて 10000 行まで"):
        read("idou.xlsx", crafted_xlsx(blank_tail))


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\x00\x01binary junk\xff" * 10, "Excel ブック（.xlsx）ではないか"),
        (b"", "Excel ブック（.xlsx）ではないか"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "古い Excel 形式（.xls）"),
        (crafted_xlsx(workbook=False), "Excel ブックの本体が見つかりません"),
        (crafted_xlsx(sheets=""), "表のシートがありません"),
        (crafted_xlsx("<row><c>"), "sheet1.xml の 1 行目を読めません"),
        (
            crafted_xlsx(
                sheet_xml='<?xml version="1.0"?><!DOCTYPE w [<!ENTITY a "aaaaaaaa">]>'
                f'<worksheet xmlns="{MAIN}"><sheetData/></worksheet>'
            ),
            "DTD",
        ),
        (
            crafted_xlsx(HEADER_ROW + '<row r="2"><c r="A2" t="n"><v>12a</v></c></row>'),
            "2 行目に読めないセル",
        ),
        (
            crafted_xlsx(HEADER_ROW + '<row r="2"><c r="A2" t="s"><v>7</v></c></row>'),
            "2 行目に読めないセル",
        ),
        (crafted_xlsx(HEADER_ROW + "<row>" + "<c/>" * 10_000 + "</row>"), "中身が多すぎて"),
        (crafted_xlsx("<row/>" * (tables.MAX_XML_ROWS + 1)), "中身が多すぎて"),
    ],
)
def test_every_malformed_workbook_gets_a_message(content: bytes, message: str) -> None:
    with pytest.raises(TableFileError, match=message):
        read("idou.xlsx", content)


def test_a_zip_that_is_not_a_workbook_or_unpacks_too_far_is_refused() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("readme.txt", "hello")
    with pytest.raises(TableFileError, match="Excel ブックの本体が見つかりません"):
        read("idou.xlsx", buffer.getvalue())
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", " " * (tables.MAX_XLSX_UNPACKED_BYTES + 1))
    assert len(buffer.getvalue()) < 100_000
    with pytest.raises(TableFileError, match="中身が多すぎて"):
        read("idou.xlsx", buffer.getvalue())


def test_a_damaged_part_is_named() -> None:
    content = bytearray(crafted_xlsx())
    start = content.index(b"xl/worksheets/sheet1.xml") + len(b"xl/worksheets/sheet1.xml")
    content[start + 5 : start + 25] = b"\x00" * 20  # the compressed sheet, not the zip index
    with pytest.raises(TableFileError, match=r"sheet1\.xml を展開できません"):
        read("idou.xlsx", bytes(content))


def test_a_workbook_from_excel_keeps_its_line_numbers() -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append([])
    sheet.append(["番号", "氏名", "発令日", "備考"])
    sheet.append([1001, "田中\n一郎", date(2027, 4, 1), "x" * 5000])  # 備考 is not ours
    sheet.append([])
    sheet.append([1002.0, "佐藤 健", "2027/4/1"])
    buffer = io.BytesIO()
    book.save(buffer)
    rows = read("idou.xlsx", buffer.getvalue())
    assert [(row[LINE_KEY], row["number"], row["name"], row["date"]) for row in rows] == [
        ("3", "1001", "田中 一郎", "2027-04-01"),
        ("5", "1002", "佐藤 健", "2027/4/1"),
    ]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("番号,氏名\n1001,田中\n".encode("utf-16"), "UTF-16"),
        (b"\x81\xff\xfe\x81", "文字コードを読み取れません"),
        (crafted_xlsx(), "CSV ではなく Excel 形式です"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "CSV の形式が正しくありません"),
        ('番号,氏名\n1001,"'.encode() + b"x" * 200_000, "2 行目あたりに長すぎる値"),
        (
            "番号,氏名\n1001,田中\x00一郎\n".encode(),
            "2 行目の「氏名」に、画面に表示されない制御文字",
        ),
        (
            "番号,氏名\n1001,田中\x1b一郎\n".encode(),
            "2 行目の「氏名」に、画面に表示されない制御文字",
        ),
        (
            f"番号,氏名\n1001,{'長' * 1001}\n".encode(),
            "2 行目の「氏名」が長すぎます（1000文字まで）",
        ),
        (("番号\n" + "1\n" * tables.MAX_SHEET_ROWS).encode(), "シートの行が多すぎます"),
        (b"1" * (tables.MAX_FILE_BYTES + 1), "ファイルが大きすぎます（5 MB まで）"),
    ],
)
def test_every_malformed_csv_gets_a_message(content: bytes, message: str) -> None:
    with pytest.raises(TableFileError, match=message):
        read("idou.csv", content)


def test_a_csv_with_blank_lines_and_line_breaks_in_cells_is_read() -> None:
    content = '\n番号,氏名\n1001,"田中\r\n一郎"\n\n1002,佐藤\t健\n'.encode("cp932")
    rows = read("idou.csv", content)
    assert [(row[LINE_KEY], row["name"]) for row in rows] == [("3", "田中 一郎"), ("5", "佐藤 健")]


def test_many_problems_are_summarised() -> None:
    content = ("番号,氏名\n" + "1,a\x00\n" * 12).encode()
    with pytest.raises(TableFileError, match="（ほか 2 件）") as refused:
        read("idou.csv", content)
    assert "13 行目" not in refused.value.message and "11 行目" in refused.value.message
