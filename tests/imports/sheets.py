"""Build the files clerks upload: .xlsx workbooks and .csv in any encoding, and read exports back."""

from __future__ import annotations

import csv
import io

import openpyxl

UNIT_HEADER_ZH = ["楼栋", "房号", "楼层", "房屋类型", "面积(m²)"]
UNIT_HEADER_EN = ["building", "number", "floor", "unit_type", "area"]
OWNER_HEADER_ZH = ["楼栋", "房号", "姓名", "电话", "邮箱", "证件号码", "入住日期", "份额"]


def xlsx_bytes(rows) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_bytes(rows, encoding: str = "utf-8") -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode(encoding)


def upload(content: bytes, name: str) -> io.BytesIO:
    """A file object the test client sends as multipart."""
    handle = io.BytesIO(content)
    handle.name = name
    return handle


def read_xlsx(content: bytes) -> list[tuple]:
    workbook = openpyxl.load_workbook(io.BytesIO(content))
    return list(workbook.active.values)
