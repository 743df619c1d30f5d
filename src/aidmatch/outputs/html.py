"""``aidmatch report --html``: one self-contained page for the leader who will not open a workbook.

Coverage table and chart (inline SVG), findings counts, the semester comparison and the schools
with the most open gaps. No script, no font, no image from the network: the page opens offline.
IDs never appear on it.
"""

from __future__ import annotations

import os
from html import escape
from pathlib import Path

from aidmatch.outputs.report import NEW, RESOLVED, STILL_OPEN, CoverageLine, Report

_CSS = """
body{font-family:"Microsoft YaHei","PingFang SC","Noto Sans CJK SC",sans-serif;margin:24px;
color:#1f2d3d;background:#f7f9fc}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px}
.meta{color:#6b7785;font-size:13px}
.cards{display:flex;gap:12px;flex-wrap:wrap;margin-top:16px}
.card{background:#fff;border:1px solid #dde3ea;border-radius:6px;padding:10px 16px;min-width:120px}
.card b{display:block;font-size:22px}.card span{color:#6b7785;font-size:13px}
table{border-collapse:collapse;background:#fff;font-size:14px}
th,td{border:1px solid #dde3ea;padding:5px 10px;text-align:right}
th{background:#ddebf7}td.l,th.l{text-align:left}tr.total td{font-weight:bold}
.bad{color:#c0392b;font-weight:bold}
.incomplete{background:#fdecea;border:2px solid #c0392b;border-radius:6px;padding:10px 16px;
margin:12px 0;color:#c0392b}.incomplete b{display:block;font-size:17px}
svg text{font-size:12px;fill:#1f2d3d}svg{max-width:100%;height:auto}
.scroll{overflow-x:auto;-webkit-overflow-scrolling:touch}
.legend{font-size:13px;color:#6b7785}.legend i{display:inline-block;width:10px;height:10px;
margin:0 4px 0 10px;border-radius:2px}
.foot{color:#8a94a0;font-size:12px;margin-top:28px}
@media (max-width:600px){body{margin:10px}h1{font-size:18px}.card{min-width:0;flex:1 1 40%;
padding:8px 10px}.card b{font-size:18px}table{font-size:13px}th,td{padding:4px 6px}}
"""
# Coverage colours by how far below 100% (不漏一人): within 2 points, within 5, further.
_TARGET_BANDS = ((0.02, "#2e7d32", "差距 2 个百分点以内"), (0.05, "#f0a202", "差距 2–5 个百分点"),
                 (1.01, "#c0392b", "差距 5 个百分点以上"))


def _colour(coverage: float | None) -> str:
    short = 1.0 - (coverage or 0.0)
    return next(colour for limit, colour, _ in _TARGET_BANDS if short <= limit)


def _legend() -> str:
    return ("<div class=legend>" + "".join(f'<i style="background:{c}"></i>{escape(t)}'
                                           for _, c, t in _TARGET_BANDS) + "</div>")


def _axis_floor(values: list[float]) -> float:
    """The chart's lowest value: 10 points below the lowest coverage, rounded down to 10%, so
    91% and 96% look different (a chart from 0 makes every county a full bar)."""
    lowest = min(values, default=0.0)
    return max(0.0, int((lowest - 0.05) * 10) / 10)


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.1%}"


def _chart(counties: list[CoverageLine]) -> str:
    """Coverage by county as an inline SVG column chart, its axis starting near the lowest
    county, each bar coloured by how far below 100% it is."""
    floor = _axis_floor([c.coverage for c in counties if c.coverage is not None])
    width, height, left, bottom, top = 80 * max(len(counties), 1) + 60, 280, 44, 40, 20
    plot = height - bottom - top
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" role="img" aria-label="各区县资助覆盖率">']
    steps = 4
    for n in range(steps + 1):
        tick = floor + (1.0 - floor) * n / steps
        y = top + plot * (1 - n / steps)
        parts.append(f'<line x1="{left}" x2="{width - 10}" y1="{y:.1f}" y2="{y:.1f}" '
                     f'stroke="#dde3ea"/><text x="{left - 6}" y="{y + 4:.1f}" '
                     f'text-anchor="end">{tick:.0%}</text>')
    for i, line in enumerate(counties):
        value = max(line.coverage or 0.0, floor)
        x = left + 12 + i * 80
        h = plot * (value - floor) / (1.0 - floor) if floor < 1.0 else plot
        y = top + plot - h
        parts.append(f'<rect class="bar" x="{x}" y="{y:.1f}" width="48" height="{h:.1f}" '
                     f'fill="{_colour(line.coverage)}"><title>{escape(line.county)} '
                     f'{_pct(line.coverage)}</title></rect><text x="{x + 24}" y="{y - 4:.1f}" '
                     f'text-anchor="middle">{_pct(line.coverage)}</text><text x="{x + 24}" '
                     f'y="{height - bottom + 16}" text-anchor="middle">{escape(line.county)}</text>')
    parts.append("</svg>")
    return f'<div class="scroll">{"".join(parts)}</div>{_legend()}'


def _school_chart(schools: list[CoverageLine], limit: int = 20) -> str:
    """For one county: the schools below full coverage, lowest first, as horizontal bars."""
    shown = sorted((c for c in schools if c.key_students and c.aided < c.key_students),
                   key=lambda c: (c.coverage or 0.0, -c.key_students, c.school))[:limit]
    if not shown:
        return "<p class=meta>所有学校的困难学生都已资助。</p>"
    label, bar, row = 230, 360, 24
    height = row * len(shown) + 30
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{label + bar + 130}" '
             f'height="{height}" viewBox="0 0 {label + bar + 130} {height}" role="img" '
             f'aria-label="覆盖率最低的学校">']
    for i, line in enumerate(shown):
        y = 10 + i * row
        w = bar * (line.coverage or 0.0)
        parts.append(f'<text x="{label - 8}" y="{y + 15}" text-anchor="end">'
                     f'{escape(line.school)}</text><rect class="bar" x="{label}" y="{y + 3}" '
                     f'width="{w:.1f}" height="16" fill="{_colour(line.coverage)}"><title>{escape(line.school)} '
                     f'{_pct(line.coverage)}</title></rect><text x="{label + w + 6:.1f}" '
                     f'y="{y + 15}">{_pct(line.coverage)}（{line.aided}/{line.key_students}）</text>')
    parts.append("</svg>")
    return f'<div class="scroll">{"".join(parts)}</div>{_legend()}'


def render_html(report: Report) -> str:
    counties = [c for c in report.coverage if c.level == "区县"]
    totals = [c for c in report.coverage if c.level == "全市"] or counties
    total_gaps = sum(c.gaps for c in totals)
    total_open = sum(c.open for c in totals)
    key = sum(c.key_students for c in totals)
    aided = sum(c.aided for c in totals)
    cards = [("困难学生", str(key)), ("已资助", str(aided)),
             ("覆盖率", _pct(aided / key if key else None)), ("漏助", str(total_gaps)),
             ("漏助待核实", str(total_open))]
    rows = []
    for line in [*totals[:1], *counties] if report.county is None else counties:
        cls = ' class="total"' if line.level == "全市" else ""
        rows.append(f"<tr{cls}><td class=l>{escape(line.county)}</td><td>{line.enrolled}</td>"
                    f"<td>{line.key_students}</td><td>{line.aided}</td>"
                    f"<td{' class=bad' if line.gaps else ''}>{line.gaps}</td>"
                    f"<td>{_pct(line.coverage)}</td><td>{line.open}</td></tr>")
    findings = "".join(
        f"<tr><td class=l>{escape(c.finding.label)}</td><td>{len(c.rows)}</td>"
        f"<td>{c.decided}</td><td>{len(c.rows) - c.decided}</td></tr>" for c in report.findings)
    schools = "".join(
        f"<tr><td class=l>{escape(c.county)}</td><td class=l>{escape(c.school)}</td>"
        f"<td>{c.key_students}</td><td>{c.gaps}</td><td class=bad>{c.open}</td></tr>"
        for c in report.top_schools())
    if report.previous is not None:
        comparison = (f"<h2>与{escape(report.previous.label)}相比</h2><table><tr>"
                      + "".join(f"<th class=l>{escape(c)}</th>" for c in (NEW, RESOLVED, STILL_OPEN))
                      + "</tr><tr>"
                      + "".join(f"<td>{report.comparison_count(c)}</td>"
                                for c in (NEW, RESOLVED, STILL_OPEN))
                      + "</tr></table>")
    else:
        comparison = "<h2>学期对比</h2><p class=meta>数据库中没有更早的学期。</p>"
    warning = ""
    if report.incomplete:
        warning = (f'<div class="incomplete" id="incomplete"><b>结果不完整</b>{escape(report.notice[0])}'
                   "<ul>" + "".join(f"<li>{escape(line.strip())}</li>" for line in report.notice[1:])
                   + "</ul></div>")
    if report.county is None:
        chart = f"<h2>各区县覆盖率</h2>{_chart(counties)}"
    else:
        chart = ("<h2>覆盖率未达 100% 的学校</h2>"
                 + _school_chart([c for c in report.coverage if c.level == "学校"]))
    return f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(report.title)}</title><style>{_CSS}</style></head>
<body>
{warning}
<h1>{escape(report.title)}</h1>
<div class=meta>生成于 {report.generated_at:%Y-%m-%d %H:%M}</div>
<div class=cards>{"".join(f"<div class=card><b>{escape(v)}</b><span>{escape(k)}</span></div>"
                          for k, v in cards)}</div>
<h2>各区县资助覆盖情况</h2>
<div class="scroll"><table id="coverage"><tr><th class=l>区县</th><th>在读人数</th><th>困难学生</th><th>已资助</th>
<th>漏助</th><th>覆盖率</th><th>漏助待核实</th></tr>{"".join(rows)}</table></div>
{chart}
<h2>核查项目</h2>
<table id="findings"><tr><th class=l>项目</th><th>案例数</th><th>已核实</th><th>待核实</th></tr>
{findings}</table>
{comparison}
<h2>待核实漏助最多的学校</h2>
<div class="scroll"><table id="schools"><tr><th class=l>区县</th><th class=l>学校</th><th>困难学生</th><th>漏助</th>
<th>待核实</th></tr>{schools or '<tr><td class=l colspan=5>没有待核实的漏助。</td></tr>'}</table></div>
<p class=foot>规则版本：{escape(report.rules)}（同一版本的规则得出同样的结果）</p>
</body></html>
"""


def write_html(report: Report, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_html(report), encoding="utf-8")
    os.chmod(path, 0o600)


__all__ = ["render_html", "write_html"]
