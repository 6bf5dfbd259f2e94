"""The printable pilot progress report (A4 PDF, matplotlib charts, Noto Sans CJK embedded
as a TrueType subset so the Chinese text can be searched and copied) and its XLSX
export, for a street or district."""

from __future__ import annotations

import hashlib
import io
import tempfile
from datetime import date
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

from matplotlib import font_manager  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from openpyxl import Workbook  # noqa: E402
from openpyxl.styles import Font  # noqa: E402

from geo.hours.opening_hours import local_text, local_time  # noqa: E402
from maps.fonts import subset_font  # noqa: E402

_ROWS_MAX = 28  # compounds listed on the page; the XLSX has all
_A4_IN = (8.27, 11.69)


def _font(chars: str) -> font_manager.FontProperties:
    data = subset_font(chars, truetype=True)
    folder = Path(tempfile.gettempdir()) / "youlu-fonts"
    folder.mkdir(exist_ok=True)
    path = folder / f"{hashlib.sha256(data).hexdigest()[:24]}.ttf"
    if not path.exists():
        path.write_bytes(data)
    return font_manager.FontProperties(fname=str(path))


def _texts(report: dict[str, Any], history: dict[date, dict[str, tuple[int, int]]]) -> dict[str, Any]:
    items = report["items"]
    rows = report["compounds"]
    done = {spec["item"]: sum(r["items"][spec["item"]] for r in rows) for spec in items}
    return {
        "title": f"{report['title']} · 骑手友好社区试点进展报告",
        "sub": f"生成于 {local_text(local_time())}（北京时间） · 小区 {len(rows)} 个",
        "labels": [f"{spec['item']}. {spec['zh']}" for spec in items],
        "done": done, "total": len(rows),
        "table": [[r["name"][:14]] + ["是" if r["items"][spec["item"]] else "否" for spec in items]
                  for r in rows[:_ROWS_MAX]],
        "heads": ["小区"] + [spec["item"] for spec in items],
        "weeks": sorted(history),
        "history": history,
        "saved": _saved_line(report),
    }


def _minutes(value: float | None) -> str:
    return f"{value:.1f} 分钟" if value is not None else "—"


def _saved_line(report: dict[str, Any]) -> str:
    """The division's minutes per delivery before and from the pilot's start, in words."""
    s = report.get("division_savings")
    since = report["savings"]["since"]
    if not s:
        return f"每单用时：自 {since} 起暂无进出记录可比"
    return (f"每单用时（中位数）：{since} 前 {_minutes(s['before_min'])}（{s['before_n']} 单），"
            f"之后 {_minutes(s['after_min'])}（{s['after_n']} 单），每单节省 {_minutes(s['saved_min'])}；"
            f"按路线往返约 {_minutes(s['route_min'])}")


def report_pdf(report: dict[str, Any], history: dict[date, dict[str, tuple[int, int]]]) -> bytes:
    """The report as a one-page A4 PDF."""
    t = _texts(report, history)
    chars = "".join([t["title"], t["sub"], t["saved"], *t["labels"], *(c for row in t["table"] for c in row),
                     *t["heads"], "完成率各周完成项目数0123456789%./-· ", "小区数"])
    font = _font("".join(sorted(set(chars))))
    fig = Figure(figsize=_A4_IN)
    fig.text(0.06, 0.965, t["title"], fontproperties=font, fontsize=15, weight="bold", va="top")
    fig.text(0.06, 0.94, t["sub"], fontproperties=font, fontsize=9, color="#455a64", va="top")
    fig.text(0.06, 0.922, t["saved"], fontproperties=font, fontsize=8, color="#263238", va="top")
    bars = fig.add_axes((0.40, 0.66, 0.54, 0.25))
    shares = [t["done"][spec["item"]] / t["total"] * 100 if t["total"] else 0 for spec in report["items"]]
    y = list(range(len(shares)))[::-1]
    bars.barh(y, shares, color="#0a7d4f")
    bars.set_yticks(y, t["labels"], fontproperties=font, fontsize=8)
    bars.set_xlim(0, 100)
    bars.set_xlabel("完成率 %", fontproperties=font, fontsize=8)
    for yy, share in zip(y, shares, strict=True):
        bars.text(min(share + 1, 90), yy, f"{share:.0f}%", va="center", fontsize=7, fontproperties=font)
    if t["weeks"]:
        line = fig.add_axes((0.10, 0.47, 0.84, 0.13))
        totals = [sum(d for d, _t in t["history"][w].values()) for w in t["weeks"]]
        line.plot(range(len(totals)), totals, marker="o", color="#1565c0")
        line.set_xticks(range(len(totals)), [w.strftime("%m-%d") for w in t["weeks"]], fontsize=7)
        line.set_title("各周完成项目数", fontproperties=font, fontsize=9)
    table_ax = fig.add_axes((0.06, 0.03, 0.88, 0.40))
    table_ax.set_axis_off()
    if t["table"]:
        grid = table_ax.table(cellText=t["table"], colLabels=t["heads"], loc="upper center",
                              cellLoc="center", colWidths=[0.28] + [0.08] * (len(t["heads"]) - 1))
        grid.auto_set_font_size(False)
        for cell in grid.get_celld().values():
            cell.set_text_props(fontproperties=font, fontsize=7)
    out = io.BytesIO()
    with matplotlib.rc_context({"pdf.fonttype": 42}):
        fig.savefig(out, format="pdf")
    return out.getvalue()


def report_xlsx(report: dict[str, Any]) -> bytes:
    """The report as XLSX: one row per compound (是/否 per item), then counts per street."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None  # a new workbook has one sheet
    sheet.title = "小区清单"
    items = report["items"]
    sheet.append(["小区", "编码", "单元数"] + [f"{s['item']}. {s['zh']}" for s in items])
    for r in report["compounds"]:
        sheet.append([r["name"], r["code"] or "", r["units"]]
                     + ["是" if r["items"][s["item"]] else "否" for s in items])
    summary = book.create_sheet("按街道")
    summary.append(["街道", "代码"] + [f"{s['item']}. {s['zh']}" for s in items])
    for code, group in report["groups"]["street"].items():
        summary.append([group["name"], code] + [f"{group['items'][s['item']]['done']}/"
                                                f"{group['items'][s['item']]['total']}" for s in items])
    saved = book.create_sheet("每单节省")
    saved.append(["小区", "编码", f"{report['savings']['since']} 前单数", "之前每单（分钟）",
                  "之后单数", "之后每单（分钟）", "每单节省（分钟）", "路线往返（分钟）"])
    for r in report["compounds"]:
        s = report["savings"]["compounds"].get(str(r["id"]))
        if s:
            saved.append([r["name"], r["code"] or "", s["before_n"], s["before_min"], s["after_n"],
                          s["after_min"], s["saved_min"], s["route_min"]])
    for ws in (sheet, summary, saved):
        for cell in ws[1]:
            cell.font = Font(bold=True)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
