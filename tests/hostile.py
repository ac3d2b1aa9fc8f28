"""A corpus of hostile registers, built by code into a folder (never saved binaries).

Each builder takes a folder, writes one bad input into it and returns its path.
``HOSTILE`` maps the item's name to its builder; tests/test_hostile.py runs the
real CLI on every item. The raw-XML helpers write .xlsx parts directly with
zipfile, so a million formatted rows or cached error values cost a few lines
and a fraction of a second.
"""

from __future__ import annotations

import datetime as dt
import random
import struct
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path
from xml.sax.saxutils import escape

from openpyxl.utils import get_column_letter

from tests.conftest import write_xlsx

Builder = Callable[[Path], Path]

GOOD_NAME = "好登记表.xlsx"
GOOD_HEADER = ["客户编号", "客户姓名", "联系电话", "经纪人", "登记日期", "意向等级"]
GOOD_ROWS = [
    ["G001", "王建国", "13812345678", "李娜", "2026-10-08", "A"],
    ["G002", "陈静", "13912345678", "李娜", "2026-10-12", "B"],
    ["G003", "刘洋", "13600001111", "赵强", "2026-10-20", "C"],
]
# Header of the small registers the items below are built on (one customer per row).
HEADER = ["客户姓名", "联系电话", "经纪人", "登记日期"]
MAX_CELL = 32_767  # Excel's limit on the characters in one cell


def good_register(folder: Path) -> Path:
    """A small sound register, put beside a bad file: the run must still produce a report."""
    folder.mkdir(parents=True, exist_ok=True)
    return write_xlsx(folder / GOOD_NAME, {"客户档案": [GOOD_HEADER, *GOOD_ROWS]})


# ---------------------------------------------------------------- raw .xlsx parts

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/styles.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
    "{sheets}</Types>"
)
_SHEET_TYPE = (
    '<Override PartName="/xl/worksheets/sheet{n}.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
)
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>'
)
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    "<sheets>{sheets}</sheets></workbook>"
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rIdS" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" '
    'Target="styles.xml"/>{sheets}</Relationships>'
)
# Style 1 is a yellow fill: what "formatted empty rows" carry.
_STYLES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="3"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill>'
    '<fill><patternFill patternType="solid"><fgColor rgb="FFFFFF00"/></patternFill></fill></fills>'
    '<borders count="1"><border/></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="0" fillId="2" borderId="0" xfId="0" applyFill="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)
_SHEET_HEAD = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
)


def column_letter(index: int) -> str:
    """0 → A, 16383 → XFD."""
    return get_column_letter(index + 1)


def text_cell(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{escape(text)}</t></is></c>'


def row_xml(number: int, values: list[str | None]) -> str:
    """One row of inline-string cells (None leaves the cell out)."""
    cells = "".join(text_cell(f"{column_letter(c)}{number}", v) for c, v in enumerate(values) if v is not None)
    return f'<row r="{number}">{cells}</row>'


def raw_xlsx(path: Path, sheets: dict[str, str | Callable[[zipfile.ZipFile, str], None]],
             extra_sheet_xml: dict[str, str] | None = None) -> Path:
    """An .xlsx from sheet bodies (the XML inside <worksheet>, after <sheetData> is opened and closed by
    the caller), or from callables that stream the whole part themselves."""
    extra_sheet_xml = extra_sheet_xml or {}
    names = list(sheets)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        zf.writestr("[Content_Types].xml", _CONTENT_TYPES.format(
            sheets="".join(_SHEET_TYPE.format(n=i + 1) for i in range(len(names)))))
        zf.writestr("_rels/.rels", _ROOT_RELS)
        zf.writestr("xl/workbook.xml", _WORKBOOK.format(sheets="".join(
            f'<sheet name="{escape(n)}" sheetId="{i + 1}" r:id="rId{i + 1}"/>' for i, n in enumerate(names))))
        zf.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS.format(sheets="".join(
            f'<Relationship Id="rId{i + 1}" '
            'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
            f'Target="worksheets/sheet{i + 1}.xml"/>' for i in range(len(names)))))
        zf.writestr("xl/styles.xml", _STYLES)
        for i, name in enumerate(names):
            part = f"xl/worksheets/sheet{i + 1}.xml"
            body = sheets[name]
            if callable(body):
                body(zf, part)
            else:
                zf.writestr(part, f"{_SHEET_HEAD}<sheetData>{body}</sheetData>{extra_sheet_xml.get(name, '')}"
                                  "</worksheet>")
    return path


# ---------------------------------------------------------------- not a spreadsheet at all


def empty_csv(folder: Path) -> Path:
    path = folder / "空文件.csv"
    path.write_bytes(b"")
    return path


def zero_byte_xlsx(folder: Path) -> Path:
    path = folder / "零字节.xlsx"
    path.write_bytes(b"")
    return path


def random_bytes_xlsx(folder: Path) -> Path:
    path = folder / "乱码.xlsx"
    path.write_bytes(random.Random(8).randbytes(64 * 1024))
    return path


def truncated_zip(folder: Path) -> Path:
    """A real register cut off halfway through copying (the central directory is lost)."""
    whole = write_xlsx(folder / "截断.xlsx", {"客户档案": [GOOD_HEADER, *GOOD_ROWS] * 50})
    data = whole.read_bytes()
    whole.write_bytes(data[: len(data) // 2])
    return whole


# ---------------------------------------------------------------- a real compound file (OLE/CFB)

_FREE, _END, _FAT, _NOSTREAM = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF


def _dir_entry(name: str, kind: int, start: int, size: int, *, child: int = _NOSTREAM,
               left: int = _NOSTREAM, right: int = _NOSTREAM) -> bytes:
    encoded = (name + "\x00").encode("utf-16-le") if name else b""
    return (encoded.ljust(64, b"\x00") + struct.pack("<HBB3I", len(encoded), kind, 1, left, right, child)
            + b"\x00" * 16 + b"\x00" * 4 + b"\x00" * 16 + struct.pack("<IQ", start, size))


def compound_file(streams: list[tuple[str, bytes]], *, directory_last: bool = True) -> bytes:
    """A valid CFB v3 file (512-byte sectors) holding the given streams in the root storage.

    Streams are padded to 4096 bytes so they live in ordinary sectors (no mini stream). With
    ``directory_last`` the directory follows the stream data, as it does in large files.
    """
    sector = 512
    blobs = [data.ljust(max(len(data), 4096), b"\x00") for _, data in streams]
    counts = [-(-len(b) // sector) for b in blobs]
    data_sectors = sum(counts) + 1  # + one directory sector (4 entries: root + up to 3 streams)
    assert len(streams) <= 3
    fat_sectors = -(-(data_sectors + 1) // (sector // 4))
    while -(-(data_sectors + fat_sectors) // (sector // 4)) > fat_sectors:
        fat_sectors += 1
    assert fat_sectors <= 109, "only the header's DIFAT is written"
    fat = [_FAT] * fat_sectors
    starts, position = [], fat_sectors
    if not directory_last:
        directory = position
        fat.append(_END)
        position += 1
    for count in counts:
        starts.append(position)
        fat.extend([*range(position + 1, position + count), _END])
        position += count
    if directory_last:
        directory = position
        fat.append(_END)
    fat.extend([_FREE] * (fat_sectors * sector // 4 - len(fat)))
    # Directory: root's child is the middle of a (degenerate, all-black) sibling tree ordered by name.
    order = sorted(range(len(streams)), key=lambda i: (len(streams[i][0]), streams[i][0].upper()))
    entries = [b""] * (len(streams) + 1)
    for rank, i in enumerate(order):
        right = order[rank + 1] + 1 if rank + 1 < len(order) else _NOSTREAM
        entries[i + 1] = _dir_entry(streams[i][0], 2, starts[i], len(streams[i][1]), right=right)
    entries[0] = _dir_entry("Root Entry", 5, _END, 0, child=order[0] + 1 if order else _NOSTREAM)
    directory_bytes = b"".join(entries).ljust(sector, b"\x00")
    difat = list(range(fat_sectors)) + [_FREE] * (109 - fat_sectors)
    header = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 16
              + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6) + b"\x00" * 6
              + struct.pack("<IIIIIIIII", 0, fat_sectors, directory, 0, 4096, _END, 0, _END, 0)
              + struct.pack("<109I", *difat))
    assert len(header) == sector
    body = [struct.pack(f"<{len(fat)}I", *fat)]
    if not directory_last:
        body.append(directory_bytes)
    for blob, count in zip(blobs, counts, strict=True):
        body.append(blob.ljust(count * sector, b"\x00"))
    if directory_last:
        body.append(directory_bytes)
    return header + b"".join(body)


def _encrypted(path: Path, package_bytes: int) -> Path:
    """What Excel writes for a workbook with an open password: a compound file holding
    EncryptionInfo (agile, version 4.4) and EncryptedPackage (size prefix + ciphertext)."""
    info = struct.pack("<HHI", 4, 4, 0x40) + (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n<encryption '
        b'xmlns="http://schemas.microsoft.com/office/2006/encryption"><keyData saltSize="16" blockSize="16" '
        b'keyBits="256" hashSize="64" cipherAlgorithm="AES" cipherChaining="ChainingModeCBC" '
        b'hashAlgorithm="SHA512"/></encryption>')
    cipher = random.Random(9).randbytes(package_bytes)
    package = struct.pack("<Q", package_bytes) + cipher
    path.write_bytes(compound_file([("EncryptionInfo", info), ("EncryptedPackage", package)]))
    return path


def encrypted_workbook(folder: Path) -> Path:
    return _encrypted(folder / "加密登记表.xlsx", 64 * 1024)


def encrypted_large_workbook(folder: Path) -> Path:
    """A big encrypted workbook: its directory sits after 5 MB of ciphertext."""
    return _encrypted(folder / "加密大登记表.xlsx", 5 * 1024 * 1024)


# ---------------------------------------------------------------- wrong extension


def csv_named_xlsx(folder: Path) -> Path:
    path = folder / "其实是CSV.xlsx"
    path.write_bytes(("客户姓名,联系电话,经纪人,登记日期\n"
                      "孙丽,13700002222,赵强,2026-10-25\n周敏,13700003333,李娜,2026-10-26\n").encode("gb18030"))
    return path


def xlsx_named_csv(folder: Path) -> Path:
    path = folder / "其实是Excel.csv"
    write_xlsx(path, {"客户档案": [HEADER, ["孙丽", "13700002222", "赵强", "2026-10-25"]]})
    return path


def html_table_as_xls(folder: Path) -> Path:
    """What many CRMs and OA systems call an Excel export: an HTML table named .xls (GBK, with a title
    row spanning the table, a header of <th> and entities in cells)."""
    rows = [["孙丽", "13700002222", "赵强", "2026-10-25"], ["周敏", "13700003333", "李娜", "2026-10-26"],
            ["吴&amp;刚", "13500002222", "李娜", "2026-10-27"]]
    body = "".join("<tr>" + "".join(f"<td>{v}</td>" for v in r) + "</tr>\n" for r in rows)
    html = (
        '<html xmlns:o="urn:schemas-microsoft-com:office:office" xmlns:x="urn:schemas-microsoft-com:office:excel">'
        '<head><meta http-equiv="Content-Type" content="text/html; charset=gb2312">'
        "<style>td { mso-number-format:\\@; }</style></head><body>\n"
        '<table border="1">\n<tr><td colspan="4"><b>客户导出（2026年11月）</b></td></tr>\n'
        "<tr>" + "".join(f"<th>{h}</th>" for h in HEADER) + "</tr>\n" + body + "</table></body></html>\n"
    )
    path = folder / "系统导出.xls"
    path.write_bytes(html.encode("gb18030"))
    return path


def xml_spreadsheet_as_xls(folder: Path) -> Path:
    """Excel 2003 XML (SpreadsheetML) named .xls, another common system export."""
    cells = "".join(f'<Cell><Data ss:Type="String">{h}</Data></Cell>' for h in HEADER)
    xml = ('<?xml version="1.0" encoding="UTF-8"?>\n<?mso-application progid="Excel.Sheet"?>\n'
           '<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet" '
           'xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet">'
           f'<Worksheet ss:Name="客户"><Table><Row>{cells}</Row></Table></Worksheet></Workbook>\n')
    path = folder / "旧版XML.xls"
    path.write_bytes(xml.encode("utf-8"))
    return path


def utf16_text_as_xls(folder: Path) -> Path:
    """Excel's "Unicode text" (tab-separated UTF-16 with a BOM), which some systems name .xls."""
    lines = ["\t".join(HEADER), "孙丽\t13700002222\t赵强\t2026-10-25", "周敏\t13700003333\t李娜\t2026-10-26"]
    path = folder / "Unicode文本.xls"
    path.write_bytes("\r\n".join(lines).encode("utf-16"))
    return path


# ---------------------------------------------------------------- odd shapes


def header_only(folder: Path) -> Path:
    return write_xlsx(folder / "只有表头.xlsx", {"客户档案": [HEADER]})


def wide_16384_columns(folder: Path) -> Path:
    """Data in A:D and a stray mark in column XFD (the 16,384th): the sheet is 16,384 columns wide."""
    rows = [row_xml(1, HEADER),
            row_xml(2, ["孙丽", "13700002222", "赵强", "2026-10-25"]),
            row_xml(3, ["周敏", "13700003333", "李娜", "2026-10-26"]),
            f'<row r="4">{text_cell("XFD4", "x")}</row>']
    return raw_xlsx(folder / "一万六千列.xlsx", {"客户档案": "".join(rows)})


def wide_16384_headers(folder: Path) -> Path:
    """A header that runs to column XFD: four real columns and 16,380 numbered ones, one customer."""
    header = HEADER + [f"备用{i}" for i in range(len(HEADER), 16_384)]
    rows = [header, ["孙丽", "13700002222", "赵强", "2026-10-25"] + [None] * 16_379 + ["末列"]]
    body = "".join(row_xml(n, r) for n, r in enumerate(rows, start=1))
    return raw_xlsx(folder / "一万六千列表头.xlsx", {"客户档案": body})


MILLION = 1_048_576


def _stream_to_last_row(dimension: str, first_rows: list[list[str | None]],
                        filler: Callable[[int], str]) -> Callable[[zipfile.ZipFile, str], None]:
    """A sheet part written in chunks: the given rows, then filler(n) for every row down to Excel's last."""

    def stream(zf: zipfile.ZipFile, part: str) -> None:
        with zf.open(part, "w", force_zip64=True) as out:
            out.write(f'{_SHEET_HEAD}<dimension ref="A1:{dimension}{MILLION}"/><sheetData>'.encode())
            for number, values in enumerate(first_rows, start=1):
                out.write(row_xml(number, values).encode())
            for start in range(len(first_rows) + 1, MILLION + 1, 50_000):
                out.write("".join(filler(n) for n in range(start, min(start + 50_000, MILLION + 1))).encode())
            out.write(b"</sheetData></worksheet>")

    return stream


def million_formatted_rows(folder: Path) -> Path:
    """Two customers, then formatted empty rows down to Excel's last row (someone filled a whole column)."""
    stream = _stream_to_last_row(
        "D", [HEADER, ["孙丽", "13700002222", "赵强", "2026-10-25"], ["周敏", "13700003333", "李娜", "2026-10-26"]],
        lambda n: f'<row r="{n}" s="1" customFormat="1"><c r="A{n}" s="1"/><c r="D{n}" s="1"/></row>')
    return raw_xlsx(folder / "百万空行.xlsx", {"客户档案": stream})


def million_blank_formulas(folder: Path) -> Path:
    """A formula filled down to Excel's last row whose result is "" (=IF(A2="","",…)): cells that
    hold an empty string, not nothing."""
    stream = _stream_to_last_row(
        "E", [[*HEADER, "意向等级"], ["孙丽", "13700002222", "赵强", "2026-10-25", "B"]],
        lambda n: f'<row r="{n}"><c r="E{n}" t="str"><f>IF(A{n}="","",A{n})</f><v></v></c></row>')
    return raw_xlsx(folder / "百万空公式.xlsx", {"客户档案": stream})


def long_cells(folder: Path) -> Path:
    """Cells of exactly 32,767 characters: a name, an address-like note, a follow-up's content."""
    long_name = ("王" * (MAX_CELL - 1)) + "X"
    content = ("客户说再考虑。" * (MAX_CELL // 7 + 1))[:MAX_CELL]
    return write_xlsx(folder / "超长单元格.xlsx", {
        "客户档案": [HEADER + ["备注"],
                     [long_name, "13700002222", "赵强", "2026-10-25", "备" * MAX_CELL],
                     ["周敏", "13700003333", "李娜", "2026-10-26", None]],
        "跟进记录": [["客户姓名", "联系电话", "跟进人", "跟进时间", "跟进方式", "跟进内容", "下次回访日期"],
                     ["周敏", "13700003333", "李娜", "2026-11-24", "电话", content, "2026-11-26"]],
    })


ERRORS = ["#N/A", "#REF!", "#DIV/0!", "#VALUE!", "#NAME?"]


def formulas_and_errors(folder: Path) -> Path:
    """Formulas with cached values and cached error values (t="e"), as Excel saves them."""
    rows = [
        row_xml(1, HEADER + ["意向等级"]),
        # Row 2: every identity cell is an error value.
        '<row r="2"><c r="A2" t="e"><f>VLOOKUP(Z2,Z:Z,2,0)</f><v>#N/A</v></c>'
        '<c r="B2" t="e"><f>#REF!</f><v>#REF!</v></c><c r="C2" t="e"><f>1/0</f><v>#DIV/0!</v></c>'
        '<c r="D2" t="e"><f>"a"+1</f><v>#VALUE!</v></c><c r="E2" t="e"><f>FOO()</f><v>#NAME?</v></c></row>',
        # Row 3: a real customer whose phone and grade are errors and whose date is a formula.
        '<row r="3">' + text_cell("A3", "孙丽")
        + '<c r="B3" t="e"><f>VLOOKUP(A3,Z:Z,2,0)</f><v>#N/A</v></c>' + text_cell("C3", "赵强")
        + '<c r="D3"><f>DATE(2026,10,25)</f><v>46320</v></c><c r="E3" t="e"><f>1/0</f><v>#DIV/0!</v></c></row>',
        # Row 4: formulas whose cached values are sound text.
        '<row r="4"><c r="A4" t="str"><f>"周"&amp;"敏"</f><v>周敏</v></c>'
        '<c r="B4" t="str"><f>"1370000"&amp;"3333"</f><v>13700003333</v></c>' + text_cell("C4", "李娜")
        + text_cell("D4", "2026-10-26") + '<c r="E4" t="str"><f>"B"</f><v>B</v></c></row>',
        # Row 5: text that looks like a formula (typed with a leading apostrophe).
        row_xml(5, ["=1+1", "13700004444", "李娜", "2026-10-27", "=A1"]),
    ]
    return raw_xlsx(folder / "公式与错误值.xlsx", {"客户档案": "".join(rows)})


def merged_header(folder: Path) -> Path:
    """A title merged across the table and a header cell (联系方式) merged over two columns."""
    rows = [
        row_xml(1, ["2026年11月客户登记表", None, None, None, None]),
        row_xml(2, ["客户姓名", "联系方式", None, "经纪人", "登记日期"]),
        row_xml(3, ["孙丽", "13700002222", "0571-88886666", "赵强", "2026-10-25"]),
        row_xml(4, ["周敏", "13700003333", None, "李娜", "2026-10-26"]),
    ]
    merges = '<mergeCells count="2"><mergeCell ref="A1:E1"/><mergeCell ref="B2:C2"/></mergeCells>'
    return raw_xlsx(folder / "合并表头.xlsx", {"客户档案": "".join(rows)}, {"客户档案": merges})


def duplicate_headers(folder: Path) -> Path:
    return write_xlsx(folder / "重复表头.xlsx", {"客户档案": [
        ["客户姓名", "联系电话", "经纪人", "登记日期", "联系电话"],
        ["孙丽", "13700002222", "赵强", "2026-10-25", None],
        ["周敏", None, "李娜", "2026-10-26", "13700003333"],
    ]})


def two_columns_one_field(folder: Path) -> Path:
    return write_xlsx(folder / "电话和手机.xlsx", {"客户档案": [
        ["客户姓名", "电话", "手机", "经纪人", "登记日期"],
        ["孙丽", "0571-88886666", "13700002222", "赵强", "2026-10-25"],
        ["周敏", None, "13700003333", "李娜", "2026-10-26"],
    ]})


# Rows 2.. of the dates item: (name, phone, registration date as written or an Excel date).
EXTREME_DATES: list[tuple[str, str, object]] = [
    ("孙丽", "13700000001", dt.datetime(1900, 1, 1)),
    ("周敏", "13700000002", dt.datetime(2100, 12, 31)),
    ("吴刚", "13700000003", "1900-01-01"),
    ("郑洁", "13700000004", "2100-12-31"),
    ("冯涛", "13700000005", "1899-12-31"),
    ("陈晨", "13700000006", "2101-01-01"),
    ("褚明", "13700000007", "9999-12-31"),
    ("卫东", "13700000008", "0001-01-01"),
    ("蒋华", "13700000009", "1900-02-29"),
    ("沈阳", "13700000010", 60),  # Excel's phantom 1900-02-29
    ("韩梅", "13700000011", 2958465),  # Excel's last day, 9999-12-31
]


def dates_1900_2100(folder: Path) -> Path:
    rows = [HEADER + ["下次回访日期"]]
    for name, phone, when in EXTREME_DATES:
        rows.append([name, phone, "赵强", when, when])
    return write_xlsx(folder / "极端日期.xlsx", {"客户档案": rows})


def zip_bomb(folder: Path, *, gigabytes: float = 2.5) -> Path:
    """An .xlsx whose sheet XML honestly declares and really inflates to gigabytes of blank space.

    The deflate stream repeats one fully flushed block of compressed spaces, so building it takes
    a second and a few MB, whatever it expands to.
    """
    block = 1024 * 1024
    repeat = int(gigabytes * 1024)
    spaces = b" " * block
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    piece = compressor.compress(spaces) + compressor.flush(zlib.Z_FULL_FLUSH)
    again = compressor.compress(spaces) + compressor.flush(zlib.Z_FULL_FLUSH)
    assert piece == again, "a full flush makes each block's output identical"
    head = (f'{_SHEET_HEAD}<sheetData>{row_xml(1, HEADER)}').encode()
    tail = b"</sheetData></worksheet>"
    stream = (compressor.compress(head) + compressor.flush(zlib.Z_FULL_FLUSH) + piece * repeat
              + compressor.compress(tail) + compressor.flush())
    crc = zlib.crc32(head)
    block_crc_state = crc
    for _ in range(repeat):
        block_crc_state = zlib.crc32(spaces, block_crc_state)
    crc = zlib.crc32(tail, block_crc_state)
    size = len(head) + repeat * block + len(tail)

    path = folder / "压缩炸弹.xlsx"
    raw_xlsx(path, {"客户档案": ""})
    # Replace the sheet with the bomb: copy the small parts, then write the bomb entry by hand (zip64).
    with zipfile.ZipFile(path) as small:
        parts = {i.filename: small.read(i) for i in small.infolist() if not i.filename.endswith("sheet1.xml")}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
        info = zipfile.ZipInfo("xl/worksheets/sheet1.xml", date_time=(2026, 11, 23, 0, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        _write_precompressed(zf, info, stream, crc, size)
    return path


def _write_precompressed(zf: zipfile.ZipFile, info: zipfile.ZipInfo, stream: bytes, crc: int, size: int) -> None:
    """Add an entry whose deflate data is already made (zipfile has no public way to do this)."""
    info.CRC, info.compress_size, info.file_size = crc, len(stream), size
    info.flag_bits = 0
    info.header_offset = zf.fp.tell()
    zip64 = size > zipfile.ZIP64_LIMIT or len(stream) > zipfile.ZIP64_LIMIT
    zf.fp.write(info.FileHeader(zip64))
    zf.fp.write(stream)
    zf.filelist.append(info)
    zf.NameToInfo[info.filename] = info
    zf.start_dir = zf.fp.tell()


def formula_like_names(folder: Path) -> Path:
    """Names, notes and phones that begin with =, +, - or @ (CSV injection)."""
    return write_xlsx(folder / "公式样的姓名.xlsx", {"客户档案": [
        HEADER + ["备注"],
        ['=HYPERLINK("http://evil.example","点我")', "13700000001", "赵强", "2026-10-25", "=1+1"],
        ["+SUM(1,2)", "13700000002", "赵强", "2026-10-25", "+86 看房"],
        ["-2+3", "13700000003", "李娜", "2026-10-26", "-cmd|' /C calc'!A0"],
        ["@SUM(A1)", "13700000004", "李娜", "2026-10-26", "@备注"],
        ["=cmd|' /C calc'!A0", "+86 137-0000-0005", "=李娜", "2026-10-27", None],
    ]})


# Agent names that no file may be named as they stand (issue 19: a note typed into the agent column
# killed --per-agent with "File name too long"). Each still owes its agent a workbook of their own;
# tests/test_filenames.py checks the names made of them one by one.
NOTE_120 = ("客户说下周六上午带家人来看三号楼的样板间，预算三百万以内，希望是南北通透的三居室，最好靠近地铁站和学校，"
            "另外问了公积金贷款的额度和首付比例，需要提前准备哪些材料，我答应周五之前回电话确认看房的时间，"
            "如果周六下雨就改到周日下午两点左右再来看房")
assert len(NOTE_120) == 120
HOSTILE_NAMES: dict[str, str] = {
    "device_con": "CON",
    "device_con_lower_with_extension": "con.txt",
    "device_nul_mixed_case_xlsx": "Nul.xlsx",
    "device_com1": "COM1",
    "device_lpt9_with_extension": "lpt9.log",
    "device_space_before_dot": "con .txt",
    "device_superscript_com": "COM¹",
    "device_conin": "CONIN$",
    "dot": ".",
    "dot_dot": "..",
    "path_traversal": "../../x",
    "slashes": "a/b\\c",
    "forbidden_punctuation": '<>:"|?*',
    "control_characters": "李\x01娜\x1f\x7f",
    "trailing_dots_and_spaces": "赵强. . ",
    "leading_dot_hidden": ".bashrc",
    "excel_lock_prefix": "~$李娜",
    "note_120_chinese": NOTE_120,
    "note_120_chinese_same_start": NOTE_120[:100] + "另一条备注" * 4,
    "ascii_300": "a" * 300,
    "emoji_and_combining": "😀👨\u200d👩\u200d👧 Zoë e\u0301",
    "combining_at_the_cut": "q\u0301" * 150,  # q́ has no composed form: 300 code points
    "empty": "",
    "whitespace_only": " \t\u3000 ",
    "formula": '=HYPERLINK("http://evil.example","点我")',
    "rtl_override": "\u202egpj.exe",
    "rtl_marks": "\u200f李娜\u200e",
    "zero_width_space": "李\u200b娜",
    "space_inside": "张 三",
    "underscore_inside": "张_三",
    "case_variant": "Con",
}


def hostile_agent_names(folder: Path) -> Path:
    """One customer per hostile agent name, the names written as text (control characters too)."""
    rows = [[f"客户{n:02d}", f"1370000{n:04d}", name, "2026-10-25"] for n, name in enumerate(HOSTILE_NAMES.values())]
    return write_xlsx(folder / "奇怪的经纪人.xlsx", {"客户档案": [HEADER, *rows]})


def same_name_in_two_folders(folder: Path) -> Path:
    """Each month in its own subfolder, the file always called 客户登记表.xlsx, each with a bad phone."""
    for month in ("十一月", "十二月"):
        (folder / month).mkdir()
    write_xlsx(folder / "十一月" / "客户登记表.xlsx",
               {"客户档案": [HEADER, ["孙丽", "1370000222", "赵强", "2026-11-05"]]})
    return write_xlsx(folder / "十二月" / "客户登记表.xlsx",
                      {"客户档案": [HEADER, ["周敏", "137000033", "李娜", "2026-11-06"]]})


HOSTILE: dict[str, Builder] = {
    "empty_csv": empty_csv,
    "zero_byte_xlsx": zero_byte_xlsx,
    "random_bytes_xlsx": random_bytes_xlsx,
    "truncated_zip": truncated_zip,
    "encrypted_workbook": encrypted_workbook,
    "encrypted_large_workbook": encrypted_large_workbook,
    "csv_named_xlsx": csv_named_xlsx,
    "xlsx_named_csv": xlsx_named_csv,
    "html_table_as_xls": html_table_as_xls,
    "xml_spreadsheet_as_xls": xml_spreadsheet_as_xls,
    "utf16_text_as_xls": utf16_text_as_xls,
    "header_only": header_only,
    "wide_16384_columns": wide_16384_columns,
    "wide_16384_headers": wide_16384_headers,
    "million_formatted_rows": million_formatted_rows,
    "million_blank_formulas": million_blank_formulas,
    "long_cells": long_cells,
    "formulas_and_errors": formulas_and_errors,
    "merged_header": merged_header,
    "duplicate_headers": duplicate_headers,
    "two_columns_one_field": two_columns_one_field,
    "dates_1900_2100": dates_1900_2100,
    "zip_bomb": zip_bomb,
    "formula_like_names": formula_like_names,
    "same_name_in_two_folders": same_name_in_two_folders,
    "hostile_agent_names": hostile_agent_names,
}
