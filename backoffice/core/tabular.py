"""Spreadsheets in and out (.xlsx, .csv): how clerks hand over master data at onboarding and take it away.

Reading turns a file into rows of cell values keyed by canonical column names, whatever language or spelling
the header row uses (`area`, `面积`, `面积(m²)`); writing produces an .xlsx a clerk can open, filter and send
back. Which columns exist and what their values mean is the importer's business; this module knows sheets.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from .errors import ImportFailed, ValidationFailed

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_BYTES = 20 * 1024 * 1024  # ~200k unit rows; a bigger upload is more likely a mistake than an estate
MAX_ROWS = 200_000
TWO_PLACES = Decimal("0.01")
_NOISE = re.compile(r"[(（\[].*?[)）\]]|[\s_\-*:：]")


def normalize_header(text: Any) -> str:
    """`Unit type (m²)*` -> `unittype`: case, spaces, `_`/`-`, marks and bracketed units do not matter."""
    return _NOISE.sub("", str(text or "")).lower()


def chinese_ui() -> bool:
    return (get_language() or "zh-hans").lower().startswith("zh")


@dataclass(frozen=True)
class Column:
    """One column an importer understands: its key (also the English header) and the Chinese header."""

    key: str
    label_zh: str
    aliases: tuple[str, ...] = ()
    required: bool = False

    def label(self) -> str:
        """The header written on export, in the language of the request (both are read back)."""
        return self.label_zh if chinese_ui() else self.key

    def names(self) -> set[str]:
        return {normalize_header(name) for name in (self.key, self.label_zh, *self.aliases)}


class CellError(Exception):
    """A cell whose value cannot be read as the column's type."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass
class Sheet:
    """The data rows of one sheet: `rows` are (row number as the clerk sees it, {key: value})."""

    headers: dict[str, str]
    rows: list[tuple[int, dict[str, Any]]] = field(default_factory=list)

    def column_name(self, key: str, columns: Sequence[Column]) -> str:
        if key in self.headers:
            return self.headers[key]
        return next((c.label() for c in columns if c.key == key), key)


# --- reading ------------------------------------------------------------------------------------------------


def file_error(message: str, *, code: str) -> ValidationFailed:
    """A problem with the file as a whole (400 with this code, reported on the `file` field)."""
    return ValidationFailed(message, code=code, fields={"file": [{"code": code, "message": str(message)}]})


def _decode(content: bytes) -> str:
    # utf-8-sig also reads plain UTF-8; GB18030 is a superset of GBK, which Excel on Chinese Windows writes.
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise file_error(_("The CSV file is neither UTF-8 nor GBK encoded."), code="unreadable_file")


def _csv_rows(content: bytes) -> Iterable[Sequence[Any]]:
    text = _decode(content)
    try:
        dialect: Any = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    try:
        yield from csv.reader(io.StringIO(text, newline=""), dialect)
    except csv.Error as exc:
        raise file_error(
            _("The CSV file is malformed: %(reason)s") % {"reason": exc}, code="unreadable_file"
        ) from None


def _xlsx_rows(content: bytes) -> Iterable[Sequence[Any]]:
    import openpyxl  # imported here: only uploads pay for it

    unreadable = file_error(_("The file is not a readable .xlsx workbook."), code="unreadable_file")
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError):
        raise unreadable from None
    try:
        sheet = workbook.active or workbook.worksheets[0]
        yield from sheet.iter_rows(values_only=True)
    except Exception:  # a damaged workbook fails deep inside openpyxl with undocumented exceptions
        raise unreadable from None
    finally:
        workbook.close()


def _kind_of(file_name: str) -> str:
    suffix = file_name.rsplit(".", 1)[-1].lower() if "." in file_name else ""
    if suffix in ("xlsx", "csv"):
        return suffix
    raise file_error(
        _("Upload an .xlsx or .csv file (old .xls files: save them as .xlsx first)."),
        code="unsupported_file",
    )


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def _map_headers(
    header_row: Sequence[Any], columns: Sequence[Column]
) -> tuple[dict[int, str], dict[str, str]]:
    """Column index -> key, and key -> header text; a missing required column fails the whole file."""
    by_name = {name: column.key for column in columns for name in column.names()}
    positions: dict[int, str] = {}
    headers: dict[str, str] = {}
    for index, text in enumerate(header_row):
        key = by_name.get(normalize_header(text))
        if key and key not in headers:  # a repeated header: the first one counts
            positions[index] = key
            headers[key] = str(text).strip()
    missing = [c for c in columns if c.required and c.key not in headers]
    if missing:
        rows = [
            {
                "row": 1,
                "column": c.label(),
                "field": c.key,
                "code": "missing_column",
                "message": _("The header row has no column %(zh)s / %(en)s.")
                % {"zh": c.label_zh, "en": c.key},
            }
            for c in missing
        ]
        raise ImportFailed(_("Required columns are missing from the header row."), rows=rows)
    return positions, headers


def read_sheet(*, file_name: str, content: bytes, columns: Sequence[Column]) -> Sheet:
    """Read the first sheet: row 1 is the header, blank rows are skipped, unknown columns are ignored."""
    if len(content) > MAX_BYTES:
        raise file_error(
            _("The file is larger than %(mb)s MB; split it.") % {"mb": MAX_BYTES // (1024 * 1024)},
            code="file_too_large",
        )
    rows = _xlsx_rows(content) if _kind_of(file_name) == "xlsx" else _csv_rows(content)
    header: Sequence[Any] | None = None
    positions: dict[int, str] = {}
    sheet = Sheet(headers={})
    for number, raw in enumerate(rows, start=1):
        if header is None:
            header = raw
            if any(_clean(cell) is not None for cell in raw):
                positions, sheet.headers = _map_headers(raw, columns)
            continue
        values = {key: _clean(raw[i]) if i < len(raw) else None for i, key in positions.items()}
        if all(v is None for v in values.values()):
            continue
        if len(sheet.rows) >= MAX_ROWS:
            raise file_error(
                _("More than %(max)s rows; split the file.") % {"max": MAX_ROWS}, code="too_many_rows"
            )
        sheet.rows.append((number, values))
    if not sheet.headers:
        raise file_error(_("The file is empty, or its first row (the header) is blank."), code="empty_file")
    return sheet


# --- cell values --------------------------------------------------------------------------------------------


def cell_text(value: Any) -> str:
    """Text as the clerk typed it; Excel's `13800138000.0` is read back as `13800138000`."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def cell_int(value: Any) -> int:
    text = cell_text(value)
    basement = re.fullmatch(r"[Bb负](\d+)", text)  # B2 / 负2 are how basements are often written
    if basement:
        return -int(basement.group(1))
    try:
        return int(text)
    except ValueError:
        raise CellError("invalid_integer", _("Enter a whole number.")) from None


def cell_decimal(value: Any) -> Decimal:
    text = cell_text(value).replace(",", "")
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise CellError("invalid_number", _("Enter a number.")) from None
    if not number.is_finite():
        raise CellError("invalid_number", _("Enter a number."))
    return number


def cell_amount(value: Any) -> Decimal:
    """A decimal with two places (m², %, CNY) as the API stores it; more places are left for validation."""
    number = cell_decimal(value)
    exponent = number.as_tuple().exponent
    return number.quantize(TWO_PLACES) if isinstance(exponent, int) and exponent >= -2 else number


_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日", "%Y%m%d")


def cell_date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = cell_text(value)
    for pattern in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise CellError("invalid_date", _("Enter a date as YYYY-MM-DD."))


# --- writing ------------------------------------------------------------------------------------------------


def _width(text: str) -> float:
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text) + 4


def write_xlsx(*, title: str, headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """An .xlsx with a bold, frozen, filterable header row; streamed, so 300k rows stay in bounded memory."""
    import openpyxl
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet(title[:31])
    sheet.freeze_panes = "A2"
    for index, header in enumerate(headers, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = max(_width(header), 12)
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(headers))}1"
    bold = Font(bold=True)
    header_cells = []
    for header in headers:
        cell = WriteOnlyCell(sheet, value=header)
        cell.font = bold
        header_cells.append(cell)
    sheet.append(header_cells)
    for row in rows:
        sheet.append([_safe_cell(sheet, value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _safe_cell(sheet, value: Any) -> Any:
    """Text starting with `=` stays text: a name like `=HYPERLINK(...)` must never become a formula."""
    if isinstance(value, str) and value.startswith("="):
        from openpyxl.cell import WriteOnlyCell

        cell = WriteOnlyCell(sheet, value=value)
        cell.data_type = "s"
        return cell
    return value
