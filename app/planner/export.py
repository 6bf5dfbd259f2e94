"""The planner's ranked table of compounds as rows a person reads, and as CSV and XLSX
files (openpyxl), in Chinese."""

from __future__ import annotations

import csv
import io
from typing import Any

from app.planner.coverage import Table
from geo.planning.coverage import coverage_kinds


def filtered(table: Table, rows: list[dict[str, Any]], *, text: str = "",
             grade: str = "") -> list[dict[str, Any]]:
    """``rows`` whose name or code holds ``text`` and whose grade is ``grade`` (if given),
    ranked by score, highest first (then by name)."""
    text = text.strip()
    keep = [r for r in rows if (not text or text in r["name"] or text in (r["code"] or ""))
            and (not grade or r["grade"] == grade)]
    return sorted(keep, key=lambda r: (-r["score"], r["name"]))


def headers() -> list[str]:
    """The column titles: rank, names, divisions, units, score, then minutes per kind."""
    return (["排名", "小区", "编码", "街道", "社区", "单元数", "评分", "等级", "缺项"]
            + [f"{spec['zh']}（分钟）" for spec in coverage_kinds().values()])


def cells(table: Table, rows: list[dict[str, Any]]) -> list[list[Any]]:
    """One list of cell values per row, in ``headers`` order (minutes to 0.1, blank when
    nothing is within reach)."""
    out = []
    for rank, r in enumerate(rows, start=1):
        out.append([rank, r["name"], r["code"] or "", table.names.get(r["street"] or "", ""),
                    table.names.get(r["committee"] or "", ""), r["units"], r["score"], r["grade"],
                    "、".join(r["missing"])]
                   + [round(r["times"][k] / 60, 1) if r["times"][k] is not None else ""
                      for k in coverage_kinds()])
    return out


def as_csv(table: Table, rows: list[dict[str, Any]]) -> bytes:
    """The table as UTF-8 CSV with a byte-order mark (so Excel reads the Chinese)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headers())
    writer.writerows(cells(table, rows))
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def as_xlsx(table: Table, rows: list[dict[str, Any]], *, title: str = "小区排名") -> bytes:
    """The table as an XLSX workbook of one sheet, headers bold."""
    from openpyxl import Workbook  # a quarter of a second to import: only for a download
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    assert sheet is not None  # a new workbook has one sheet
    sheet.title = title[:31]
    sheet.append(headers())
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in cells(table, rows):
        sheet.append(row)
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
