"""Reading and writing sheets (backoffice.core.tabular) and the all-or-nothing run, without HTTP."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from backoffice.core import importing, tabular
from backoffice.core.errors import ImportFailed, ValidationFailed
from backoffice.estates.imports import units_import
from backoffice.estates.models import Unit

from .sheets import UNIT_HEADER_ZH, csv_bytes, read_xlsx, xlsx_bytes

COLUMNS = (
    tabular.Column("area", "面积", required=True),
    tabular.Column("unit_type", "房屋类型", aliases=("类型",)),
)


@pytest.mark.parametrize("header", ["area", "AREA", " Area ", "面积", "面积(m²)", "面积（平方米）", "*面积"])
def test_header_spellings(header):
    sheet = tabular.read_sheet(file_name="a.csv", content=csv_bytes([[header], ["1"]]), columns=COLUMNS)
    assert sheet.rows == [(2, {"area": "1"})]
    assert sheet.headers == {"area": header.strip()}


def test_blank_rows_are_skipped_but_keep_their_numbers():
    content = xlsx_bytes(
        [["类型", "面积", "备注"], ["住宅", 1, "x"], [None, None, "only a note"], ["商铺", 2.5, None]]
    )
    sheet = tabular.read_sheet(file_name="a.XLSX", content=content, columns=COLUMNS)
    assert sheet.rows == [(2, {"unit_type": "住宅", "area": 1}), (4, {"unit_type": "商铺", "area": 2.5})]


def test_gbk_csv():
    content = "面积,类型\n1,住宅\n".encode("gbk")
    sheet = tabular.read_sheet(file_name="a.csv", content=content, columns=COLUMNS)
    assert sheet.rows == [(2, {"area": "1", "unit_type": "住宅"})]


def test_size_and_row_limits(monkeypatch):
    monkeypatch.setattr(tabular, "MAX_BYTES", 10)
    with pytest.raises(ValidationFailed) as exc:
        tabular.read_sheet(file_name="a.csv", content=b"area\n" + b"1\n" * 10, columns=COLUMNS)
    assert exc.value.code == "file_too_large"
    monkeypatch.setattr(tabular, "MAX_BYTES", 1000)
    monkeypatch.setattr(tabular, "MAX_ROWS", 3)
    with pytest.raises(ValidationFailed) as exc:
        tabular.read_sheet(file_name="a.csv", content=b"area\n" + b"1\n" * 4, columns=COLUMNS)
    assert exc.value.code == "too_many_rows"


@pytest.mark.parametrize(
    ("value", "expected"),
    [(3, 3), (3.0, 3), ("-2", -2), ("B2", -2), ("负1", -1)],
)
def test_cell_int(value, expected):
    assert tabular.cell_int(value) == expected


@pytest.mark.parametrize("value", [3.5, "3F", ""])
def test_cell_int_refuses(value):
    with pytest.raises(tabular.CellError):
        tabular.cell_int(value)


def test_cell_values():
    assert tabular.cell_decimal(88.5) == Decimal("88.5")
    assert tabular.cell_decimal("1,234.50") == Decimal("1234.50")
    assert tabular.cell_text(13800138000.0) == "13800138000"
    for value in (
        "2024-03-01",
        "2024/3/1",
        "2024.03.01",
        "2024年3月1日",
        "20240301",
        dt.datetime(2024, 3, 1, 8),
    ):
        assert tabular.cell_date(value) == dt.date(2024, 3, 1)
    for bad in ("nan", "inf"):
        with pytest.raises(tabular.CellError):
            tabular.cell_decimal(bad)


def test_written_text_never_becomes_a_formula():
    content = tabular.write_xlsx(title="x", headers=["姓名"], rows=[['=HYPERLINK("http://evil")'], ["+1"]])
    assert read_xlsx(content) == [("姓名",), ('=HYPERLINK("http://evil")',), ("+1",)]
    import io

    import openpyxl

    cell = openpyxl.load_workbook(io.BytesIO(content)).active["A2"]
    assert cell.data_type == "s"


@pytest.mark.django_db
def test_error_report_stops_at_the_cap(estate, monkeypatch):
    monkeypatch.setattr(importing, "MAX_REPORTED_ERRORS", 5)
    rows = [UNIT_HEADER_ZH] + [["1栋", str(n), 1, "别墅", 10] for n in range(20)]
    with pytest.raises(ImportFailed) as exc:
        units_import(actor=None, estate=estate, file_name="u.xlsx", content=xlsx_bytes(rows))
    assert len(exc.value.rows) == 5
    assert "5" in exc.value.message
    assert Unit.objects.count() == 0
