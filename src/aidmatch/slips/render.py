"""Drawing slips with ReportLab: a cover page per school, then one A4 page per slip.

A slip page holds the three parts of the form stacked, each a third of the page: 存根联 (kept by
the issuing office), 学校留存联 (kept by the school), 学生（家长）联 (given to the family). Dashed cut
lines separate them, with the serial printed across each line (骑缝编号) so the parts can be matched
after cutting. Text uses a free CJK TrueType font installed on the machine, embedded as a subset,
else ReportLab's built-in CID font STSong-Light, which PDF readers supply themselves
(:mod:`aidmatch.slips.fonts`).

Pages are drawn directly on the canvas (no flowable layout): 10,000 slips render in seconds.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from reportlab import rl_config
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen.canvas import Canvas

from aidmatch.money import lowercase, uppercase
from aidmatch.normalize.ids import mask, mask_student_no
from aidmatch.semester import Semester
from aidmatch.slips.data import Slip
from aidmatch.slips.fonts import CID_FONT, SlipFont, cid_font, slip_font
from aidmatch.slips.serials import serial_text

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN = 15 * mm
CONTENT_WIDTH = PAGE_WIDTH - 2 * MARGIN
BAND = PAGE_HEIGHT / 3
ROW = 7.5 * mm
LABEL_WIDTH = 24 * mm
VALUE_WIDTH = CONTENT_WIDTH / 2 - LABEL_WIDTH
LABEL_FILL = 0.9  # grey of label cells: visible on a laser printer, not wasteful of toner
BLANK_AMOUNT = "＿＿＿＿＿＿＿＿"
# The CID font's Chinese character set (GB 2312) has the full-width sign ￥, not U+00A5 ¥ (and the
# embedded fonts have both): the slips use ￥ whichever font draws them.
YUAN = "￥"


@dataclass(frozen=True)
class Part:
    number: str
    name: str
    keeper: str
    full_id: bool  # whether this part may carry the full ID number (only with --full-ids)
    internal: bool  # stays with the office or school: may say that a payment was not linked


PARTS = (
    Part("第一联", "存根联", "发放单位留存", full_id=True, internal=True),
    Part("第二联", "学校留存联", "学校留存备查", full_id=False, internal=True),
    Part("第三联", "学生（家长）联", "交学生或家长留存", full_id=False, internal=False),
)


def _width(text: str, size: float, font: str = CID_FONT) -> float:
    return float(pdfmetrics.stringWidth(text, font, size))


def fit(text: str, size: float, width: float, smallest: float = 6.5, font: str = CID_FONT
        ) -> tuple[str, float]:
    """The text and font size that fit ``width``: smaller type first, then cut with an ellipsis."""
    if font == CID_FONT:
        cid_font()
    natural = _width(text, size, font)
    if natural <= width:
        return text, size
    # Widths scale with the size: the size that fits is known without trying each one.
    fitting = max(smallest, int(size * width / natural * 2) / 2)
    if fitting > smallest or _width(text, smallest, font) <= width:
        return text, fitting
    while text and _width(text + "…", smallest, font) > width:
        text = text[:-1]
    return text + "…", smallest


@dataclass(frozen=True)
class Run:
    x: float
    y: float
    text: str
    size: float
    bold: bool


class SlipCanvas:
    """The drawing primitives the pages need, on one ReportLab canvas.

    Text is collected and drawn in at most two PDF text objects per :meth:`flush` (regular and
    bold), and what every slip page shares (titles, labels, grid, signature lines, cut lines) is
    drawn once into form XObjects that each page reuses: 10,000 pages take seconds, not minutes.
    """

    def __init__(self, path: Path, title: str, font: SlipFont) -> None:
        if not font.embedded:
            cid_font()  # registered with ReportLab on first use
        self.font = font.name
        # The initial font is set on every page: ours, so the PDF names no Helvetica it never uses.
        self.canvas = Canvas(str(path), pagesize=A4, invariant=True, pageCompression=1,
                             initialFontName=font.name)  # type: ignore[arg-type]  # stub: str
        self.canvas.setTitle(title)
        self.canvas.setAuthor("aidmatch")
        self.canvas.setCreator("aidmatch")
        self.runs: list[Run] = []
        self.forms: set[str] = set()

    def text(self, x: float, y: float, text: str, size: float = 10, *, align: str = "left",
             width: float | None = None, bold: bool = False) -> None:
        if not text:
            return
        if width is not None:
            text, size = fit(text, size, width, font=self.font)
        if align == "center":
            x -= self.width(text, size) / 2
        elif align == "right":
            x -= self.width(text, size)
        self.runs.append(Run(x, y, text, size, bold))

    def width(self, text: str, size: float) -> float:
        return _width(text, size, self.font)

    def flush(self) -> None:
        """Draw the collected text in order, one text object per stretch of regular or bold runs
        (the fonts have no bold face, so bold text is filled and stroked; the render mode
        belongs to the graphics state, hence the save and restore around it)."""
        c = self.canvas
        start = 0
        while start < len(self.runs):
            bold = self.runs[start].bold
            end = start
            while end < len(self.runs) and self.runs[end].bold == bold:
                end += 1
            if bold:
                c.saveState()
                c.setLineWidth(0.3)
            obj = c.beginText()
            if bold:
                obj.setTextRenderMode(2)
            size = 0.0
            for run in self.runs[start:end]:
                if run.size != size:
                    obj.setFont(self.font, run.size)
                    size = run.size
                obj.setTextOrigin(run.x, run.y)
                obj.textOut(run.text)
            c.drawText(obj)
            if bold:
                c.restoreState()
            start = end
        self.runs.clear()

    def form(self, name: str, draw: Callable[[], None]) -> None:
        """Place the form ``name`` on the page, drawing it with ``draw`` the first time."""
        if name not in self.forms:
            self.canvas.beginForm(name)
            draw()
            self.flush()
            self.canvas.endForm()
            self.forms.add(name)
        self.canvas.doForm(name)

    def label_cell(self, x: float, y: float, width: float, text: str) -> None:
        c = self.canvas
        c.setFillGray(LABEL_FILL)
        c.rect(x, y, width, ROW, stroke=0, fill=1)
        c.setFillGray(0)
        self.text(x + width / 2, y + ROW / 2 - 3.3, text, 9.5, align="center", width=width - 2)

    def value_cell(self, x: float, y: float, width: float, text: str, *, size: float = 10,
                   bold: bool = False) -> None:
        self.text(x + 2 * mm, y + ROW / 2 - size / 3, text, size, width=width - 4 * mm, bold=bold)

    def grid(self, top: float, rows: Sequence[Sequence[float]]) -> None:
        """Lines of a table whose rows are given as the x of their inner vertical lines."""
        c = self.canvas
        c.setLineWidth(0.6)
        bottom = top - ROW * len(rows)
        c.rect(MARGIN, bottom, CONTENT_WIDTH, top - bottom)
        c.setLineWidth(0.4)
        for n, xs in enumerate(rows):
            y_top = top - ROW * n
            if n:
                c.line(MARGIN, y_top, MARGIN + CONTENT_WIDTH, y_top)
            for x in xs:
                c.line(x, y_top, x, y_top - ROW)
        c.setLineWidth(1)

    def cut_line(self, y: float, label_width: float) -> None:
        """A dashed line with a gap in the middle for the serial and a cutting hint."""
        c = self.canvas
        c.setLineWidth(0.5)
        c.setDash(4, 3)
        c.line(6 * mm, y, PAGE_WIDTH - 6 * mm, y)
        c.setDash()
        c.setFillGray(1)
        c.rect(PAGE_WIDTH / 2 - label_width / 2, y - 2.2 * mm, label_width, 4.4 * mm, stroke=0,
               fill=1)
        hint = "沿虚线裁开"
        c.rect(10 * mm, y - 2 * mm, self.width(hint, 7) + 2 * mm, 4 * mm, stroke=0, fill=1)
        c.setFillGray(0)
        self.text(11 * mm, y - 0.9 * mm, hint, 7)
        c.setLineWidth(1)

    def page(self) -> None:
        self.flush()
        self.canvas.showPage()

    def save(self) -> None:
        self.canvas.save()


def _amount_text(amount: Decimal | None) -> tuple[str, str]:
    if amount is None:
        return f"{YUAN}{BLANK_AMOUNT}", f"人民币{BLANK_AMOUNT}{BLANK_AMOUNT}"
    return lowercase(amount, sign=YUAN), uppercase(amount)


def programme_text(slip: Slip) -> str:
    """The 资助项目 cell: the programme, or every programme with its amount when there are more."""
    if len(slip.lines) == 1:
        return slip.lines[0].programme
    return "；".join(f"{line.programme} "
                     + (lowercase(line.amount, sign=YUAN) if line.amount is not None else "金额待填")
                     for line in slip.lines)


# The table of a part: rows of (label, wide); a wide row's value spans the rest of the table.
TABLE = (("区县", "学校"), ("年级班级", "学生姓名"), ("学籍号", "身份证件号"), ("资助项目",),
         ("困难类型", "发放方式"), ("金额（小写）", "金额（大写）"))
LEFT, RIGHT = MARGIN, MARGIN + CONTENT_WIDTH / 2
SERIAL_LABEL = "骑缝编号　"


def _table_top(top: float) -> float:
    return top - 21 * mm


def draw_part_form(pc: SlipCanvas, top: float, part: Part, title: str) -> None:
    """What a part looks like on every slip: title, part name, labels, grid, signature lines."""
    pc.text(PAGE_WIDTH / 2, top - 11 * mm, title, 14, align="center", bold=True)
    head_y = top - 18 * mm
    pc.text(MARGIN, head_y, f"{part.number}　{part.name}", 11, bold=True)
    pc.text(MARGIN + pc.width(f"{part.number}　{part.name}", 11) + 2 * mm, head_y,
            f"（{part.keeper}）", 8)
    table_top = _table_top(top)
    inner: list[list[float]] = []
    for n, labels in enumerate(TABLE):
        y = table_top - ROW * (n + 1)
        pc.label_cell(LEFT, y, LABEL_WIDTH, labels[0])
        xs = [LEFT + LABEL_WIDTH]
        if len(labels) == 2:
            pc.label_cell(RIGHT, y, LABEL_WIDTH, labels[1])
            xs += [RIGHT, RIGHT + LABEL_WIDTH]
        inner.append(xs)
    pc.grid(table_top, inner)
    sign_y = top - 76 * mm
    pc.text(MARGIN, sign_y, "学生或监护人签字（不得代签）：", 10)
    pc.text(MARGIN + 108 * mm, sign_y, "签收日期：　　　年　　月　　日", 10)
    lower_y = top - 88 * mm
    pc.text(MARGIN, lower_y, "经办人：", 10)
    pc.text(MARGIN + 48 * mm, lower_y, "学校负责人：", 10)
    pc.text(MARGIN + 108 * mm, lower_y, "学校（盖章）", 10)
    pc.text(MARGIN + CONTENT_WIDTH, lower_y, "　　　年　　月　　日", 10, align="right")
    c = pc.canvas
    c.setLineWidth(0.4)
    for x0, x1, y in ((MARGIN + 52 * mm, MARGIN + 104 * mm, sign_y),
                      (MARGIN + 14 * mm, MARGIN + 44 * mm, lower_y),
                      (MARGIN + 69 * mm, MARGIN + 104 * mm, lower_y)):
        c.line(x0, y - 1.2 * mm, x1, y - 1.2 * mm)
    c.setLineWidth(1)


def draw_part_values(pc: SlipCanvas, top: float, slip: Slip, part: Part, serial: str,
                     full_ids: bool, printed_on: dt.date) -> None:
    """What is particular to one slip in one part."""
    show_full = full_ids and part.full_id
    head_y = top - 18 * mm
    notes = [] if not part.internal else [
        *(["未与学籍关联，按发放名单打印"] if not slip.linked else []),
        *([f"{'、'.join(slip.flags)}待县区核实，暂缓发放"] if slip.flags else [])]
    if notes:
        pc.text(PAGE_WIDTH / 2, head_y, "※ " + "；".join(notes), 8, align="center")
    pc.text(MARGIN + CONTENT_WIDTH, head_y, f"编号：{serial}", 11, align="right", bold=True)
    small, large = _amount_text(slip.total)
    values = (
        (slip.county, slip.school),
        (slip.grade_class, slip.name),
        (slip.student_no if show_full else mask_student_no(slip.student_no),
         slip.id_number if show_full else mask(slip.id_number)),
        (programme_text(slip),),
        (slip.difficulty or "—", slip.pay_method),
        (small, large),
    )
    table_top = _table_top(top)
    for n, row in enumerate(values):
        y = table_top - ROW * (n + 1)
        emphasis = n == len(values) - 1
        if len(row) == 1:
            pc.value_cell(LEFT + LABEL_WIDTH, y, CONTENT_WIDTH - LABEL_WIDTH, row[0])
            continue
        for x, text in zip((LEFT + LABEL_WIDTH, RIGHT + LABEL_WIDTH), row, strict=True):
            bold = emphasis or (n == 1 and text == slip.name)
            pc.value_cell(x, y, VALUE_WIDTH, text, size=11 if bold or n == 1 else 10, bold=bold)
    if part.internal:
        pc.text(MARGIN + CONTENT_WIDTH, top - BAND + 4 * mm,
                f"打印日期 {printed_on.isoformat()}", 6.5, align="right")


def draw_slip(pc: SlipCanvas, slip: Slip, semester: Semester, full_ids: bool,
              printed_on: dt.date) -> None:
    title = f"{semester.label}学生资助资金发放三联单"
    serial = serial_text(semester, slip.serial)
    label_width = pc.width(SERIAL_LABEL + serial, 9) + 4 * mm
    for n, part in enumerate(PARTS):
        top = PAGE_HEIGHT - BAND * n
        pc.form(f"part{n}", functools.partial(draw_part_form, pc, top, part, title))
        draw_part_values(pc, top, slip, part, serial, full_ids, printed_on)
        pc.flush()  # each part's text together: extracted text reads part by part

    def cuts() -> None:
        for y in (PAGE_HEIGHT - BAND, PAGE_HEIGHT - 2 * BAND):
            pc.cut_line(y, label_width)

    pc.form("cuts", cuts)
    for y in (PAGE_HEIGHT - BAND, PAGE_HEIGHT - 2 * BAND):
        pc.text(PAGE_WIDTH / 2, y - 1.1 * mm, SERIAL_LABEL + serial, 9, align="center")
    pc.page()


COVER_COLUMNS = (("序号", 11), ("编号", 26), ("年级班级", 27), ("姓名", 20), ("资助项目", 48),
                 ("金额（元）", 22), ("备注", 26))
COVER_ROW = 6.5 * mm
COVER_FIRST_TOP = PAGE_HEIGHT - 56 * mm
COVER_NEXT_TOP = PAGE_HEIGHT - 28 * mm
COVER_BOTTOM = 52 * mm


def _cover_rows_per_page(first: bool) -> int:
    top = COVER_FIRST_TOP if first else COVER_NEXT_TOP
    return int((top - COVER_ROW - COVER_BOTTOM) // COVER_ROW)


def cover_pages(count: int) -> int:
    """How many pages a school's cover takes for ``count`` slips."""
    first = _cover_rows_per_page(True)
    if count <= first:
        return 1
    following = _cover_rows_per_page(False)
    return 1 + -(-(count - first) // following)


def _remark(slip: Slip) -> str:
    notes = ["暂缓发放"] if slip.flags else []  # first: the column is narrow, it must show
    if not slip.linked:
        notes.append("未关联学籍")
    if slip.total is None:
        notes.append("金额待填")
    return "、".join(notes)


def draw_cover(pc: SlipCanvas, county: str, school: str, slips: Sequence[Slip],
               semester: Semester, source_note: str = "") -> None:
    """The school's cover: the list of its slips and the total in 小写 and 大写."""
    known = [s.total for s in slips if s.total is not None]
    total = sum(known, Decimal("0.00"))
    pending = len(slips) - len(known)
    pages = cover_pages(len(slips))
    start = 0
    for page in range(pages):
        first = page == 0
        if first:
            pc.text(PAGE_WIDTH / 2, PAGE_HEIGHT - 22 * mm, f"{semester.label}学生资助资金发放三联单",
                    16, align="center", bold=True)
            pc.text(PAGE_WIDTH / 2, PAGE_HEIGHT - 30 * mm, "封面及发放清单", 13, align="center")
            pc.text(MARGIN, PAGE_HEIGHT - 40 * mm, f"区县：{county or '—'}", 11)
            pc.text(MARGIN + 55 * mm, PAGE_HEIGHT - 40 * mm, f"学校：{school}", 11,
                    width=CONTENT_WIDTH - 55 * mm)
            summary = f"本校共 {len(slips)} 人（{len(slips)} 份三联单），金额合计 {lowercase(total, sign=YUAN)}"
            if pending:
                summary += f"，另有 {pending} 人金额待填"
            pc.text(MARGIN, PAGE_HEIGHT - 46.5 * mm, summary, 10.5)
            held = [s for s in slips if s.flags]
            note = source_note
            if held:
                flags = "、".join(sorted({f for s in held for f in s.flags}))
                note += (f"；其中 {len(held)} 人涉及{flags}，待县区核实，暂缓发放"
                         "（备注栏注明）")
            pc.text(MARGIN, PAGE_HEIGHT - 52 * mm, note, 9, width=CONTENT_WIDTH)
            top = COVER_FIRST_TOP
        else:
            pc.text(MARGIN, PAGE_HEIGHT - 20 * mm,
                    f"{semester.label}学生资助资金发放三联单 · {school} · 发放清单（续）", 11)
            top = COVER_NEXT_TOP
        chunk = slips[start:start + _cover_rows_per_page(first)]
        _cover_table(pc, top, chunk, start, semester)
        start += len(chunk)
        if page == pages - 1:
            _cover_footer(pc, top - COVER_ROW * (len(chunk) + 1), len(slips), total, pending)
        pc.text(PAGE_WIDTH / 2, 12 * mm, f"封面 第 {page + 1} 页，共 {pages} 页", 8, align="center")
        pc.page()


def _cover_table(pc: SlipCanvas, top: float, chunk: Sequence[Slip], offset: int,
                 semester: Semester) -> None:
    c = pc.canvas
    xs = [MARGIN]
    for _, width in COVER_COLUMNS:
        xs.append(xs[-1] + width * mm)
    c.setFillGray(LABEL_FILL)
    c.rect(MARGIN, top - COVER_ROW, CONTENT_WIDTH, COVER_ROW, stroke=0, fill=1)
    c.setFillGray(0)
    for (header, width), x in zip(COVER_COLUMNS, xs, strict=False):
        pc.text(x + width * mm / 2, top - COVER_ROW + 2 * mm, header, 9, align="center")
    for n, slip in enumerate(chunk, 1):
        y = top - COVER_ROW * (n + 1) + 2 * mm
        amount = f"{slip.total:.2f}" if slip.total is not None else "待填"
        cells = (str(offset + n), serial_text(semester, slip.serial), slip.grade_class, slip.name,
                 programme_text(slip), amount, _remark(slip))
        for (header, width), x, value in zip(COVER_COLUMNS, xs, cells, strict=False):
            if header == "金额（元）":
                pc.text(x + width * mm - 1.5 * mm, y, value, 9, align="right", width=width * mm - 3 * mm)
            else:
                pc.text(x + 1.5 * mm, y, value, 9, width=width * mm - 3 * mm)
    bottom = top - COVER_ROW * (len(chunk) + 1)
    c.setLineWidth(0.4)
    for n in range(len(chunk) + 2):
        c.line(MARGIN, top - COVER_ROW * n, MARGIN + CONTENT_WIDTH, top - COVER_ROW * n)
    for x in xs:
        c.line(x, top, x, bottom)
    c.setLineWidth(1)


def _cover_footer(pc: SlipCanvas, y: float, count: int, total: Decimal, pending: int) -> None:
    line = f"合计：{count} 人　金额（小写）{lowercase(total, sign=YUAN)}　（大写）{uppercase(total)}"
    pc.text(MARGIN, y - 9 * mm, line, 10.5, bold=True, width=CONTENT_WIDTH)
    if pending:
        pc.text(MARGIN, y - 15 * mm, f"另有 {pending} 人的发放名单未写金额，合计不含这些人，金额按实际发放填写。", 9)
    pc.text(MARGIN, y - 24 * mm, "学校经办人：", 10.5)
    pc.text(MARGIN + 60 * mm, y - 24 * mm, "学校负责人：", 10.5)
    pc.text(MARGIN + 120 * mm, y - 24 * mm, "学校（盖章）", 10.5)
    pc.text(MARGIN + CONTENT_WIDTH, y - 34 * mm, "　　　年　　月　　日", 10.5, align="right")


# (stage, detail, done, total): as the pipeline reports progress (see aidmatch.terminal).
Progress = Callable[[str, str, int, int | None], None]
STAGE = "打印三联单"


def render(path: Path, slips: Sequence[Slip], semester: Semester, *, full_ids: bool,
           printed_on: dt.date, source_note: str = "", font: SlipFont | None = None,
           progress: Progress | None = None) -> int:
    """Write the PDF: per school (in the slips' order) its cover, then its slips. Returns the
    number of pages. ``font``: the machine's (:func:`aidmatch.slips.fonts.slip_font`) unless
    given; ``progress`` hears of schools begun (slips drawn so far of all; about twenty times
    in all) and of the end."""
    # Page streams are compressed; ReportLab would also wrap them in ASCII85 (pure Python, a
    # seventh of the time, a quarter more bytes) for 7-bit channels no printer needs.
    ascii85, rl_config.useA85 = rl_config.useA85, 0
    try:
        return _render(path, slips, semester, full_ids, printed_on, source_note,
                       font or slip_font(), progress)
    finally:
        rl_config.useA85 = ascii85


def _render(path: Path, slips: Sequence[Slip], semester: Semester, full_ids: bool,
            printed_on: dt.date, source_note: str, font: SlipFont,
            progress: Progress | None) -> int:
    pc = SlipCanvas(path, f"{semester.label}学生资助资金发放三联单", font)
    pages = 0
    start = 0
    # A report per school begun once a twentieth of the slips is drawn since the last: a bar
    # moves smoothly, a log without a terminal gets some twenty lines, not one per school.
    step, reported = max(1, len(slips) // 20), -len(slips)
    while start < len(slips):
        county, school = slips[start].county, slips[start].school
        if progress is not None and start - reported >= step:
            progress(STAGE, f"{county}{school}", start, len(slips))
            reported = start
        end = start
        while end < len(slips) and (slips[end].county, slips[end].school) == (county, school):
            end += 1
        group = slips[start:end]
        draw_cover(pc, county, school, group, semester, source_note)
        pages += cover_pages(len(group))
        for slip in group:
            draw_slip(pc, slip, semester, full_ids, printed_on)
            pages += 1
        start = end
    pc.save()
    if progress is not None:
        progress(STAGE, f"{len(slips)} 份，{pages} 页", len(slips), len(slips))
    return pages
