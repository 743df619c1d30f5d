"""Which font the slips are drawn in.

A free CJK TrueType font installed on the machine that writes the PDF is embedded as a subset
(ReportLab's :class:`~reportlab.pdfbase.ttfonts.TTFont` writes only the glyphs used): the PDF then
reads the same on every viewer, a Linux reader without Chinese fonts included. Without one, the
text uses ReportLab's CID font STSong-Light, which is named in the PDF, not embedded: Adobe Reader
and Chinese Windows or macOS supply it.

Fonts are looked up with fontconfig (``fc-list :lang=zh-cn``), then at the paths Debian's
packages install them (fonts-wqy-microhei, fonts-wqy-zenhei, fonts-noto-cjk, fonts-arphic-*).
OpenType fonts with PostScript outlines (Noto Sans CJK's .ttc) cannot be embedded by ReportLab
and are passed over.
"""

from __future__ import annotations

import functools
import logging
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFError, TTFont

log = logging.getLogger(__name__)

CID_FONT = "STSong-Light"

# Families tried first, in this order (a sans-serif reads well at 9 pt on a laser printer);
# any other font fontconfig lists for Chinese comes after them.
PREFERRED = ("WenQuanYi Micro Hei", "Noto Sans CJK SC", "Noto Sans SC", "WenQuanYi Zen Hei",
             "Source Han Sans SC", "Noto Serif CJK SC", "AR PL UMing", "AR PL SungtiL GB")
KNOWN_PATHS = (
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),
    ("/usr/share/fonts/truetype/arphic/gbsn00lp.ttf", 0),
    ("/usr/share/fonts/truetype/arphic/uming.ttc", 0),
)


@dataclass(frozen=True)
class SlipFont:
    name: str  # as registered with ReportLab
    family: str
    path: Path | None  # None: the CID font, not embedded

    @property
    def embedded(self) -> bool:
        return self.path is not None

    @property
    def description(self) -> str:
        """What the summary says about the font."""
        if self.path is None:
            return f"{self.family}（PDF 阅读器提供的内置中文字体，未嵌入）"
        return f"{self.family}（{self.path.name}，已嵌入用到的字形）"


CID = SlipFont(CID_FONT, CID_FONT, None)


@dataclass(frozen=True)
class Candidate:
    path: Path
    index: int
    family: str


def _rank(family: str) -> int:
    for n, preferred in enumerate(PREFERRED):
        if preferred.lower() in family.lower() and "mono" not in family.lower():
            return n
    return len(PREFERRED)


def fontconfig_candidates() -> list[Candidate]:
    """Fonts fontconfig lists for simplified Chinese, preferred families first."""
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return []
    try:
        listed = subprocess.run(
            [fc_list, "-f", "%{file}\t%{index}\t%{family[0]}\n", ":lang=zh-cn"],
            capture_output=True, text=True, timeout=20, check=False).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    found = []
    for line in listed.splitlines():
        fields = line.split("\t")
        if len(fields) == 3 and fields[1].isdigit():
            found.append(Candidate(Path(fields[0]), int(fields[1]), fields[2]))
    return sorted(found, key=lambda c: (_rank(c.family), c.family, str(c.path), c.index))


def _load(candidate: Candidate) -> SlipFont | None:
    name = f"aidmatch-{candidate.path.stem}-{candidate.index}"
    if name not in pdfmetrics.getRegisteredFontNames():
        try:
            font = TTFont(name, str(candidate.path), subfontIndex=candidate.index)
        except (TTFError, OSError, ValueError, KeyError) as exc:
            # PostScript outlines (CFF), a damaged file, an index past the collection's end
            log.debug("字体 %s 不能嵌入：%s", candidate.path, exc)
            return None
        if font.face.charToGlyph.get(ord("资")) is None:
            return None
        pdfmetrics.registerFont(font)
    return SlipFont(name, candidate.family, candidate.path)


def find_font(candidates: list[Candidate] | None = None) -> SlipFont:
    """The first candidate ReportLab can embed (fontconfig's, then Debian's known paths), else
    the CID font STSong-Light."""
    if candidates is None:
        candidates = fontconfig_candidates() + [
            Candidate(Path(p), i, Path(p).stem) for p, i in KNOWN_PATHS if Path(p).is_file()]
    for candidate in candidates:
        font = _load(candidate)
        if font is not None:
            return font
    return cid_font()


def cid_font() -> SlipFont:
    if CID_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(CID_FONT))
    return CID


@functools.cache
def slip_font() -> SlipFont:
    """The font of this machine's slips (looked up once per process)."""
    font = find_font()
    log.info("三联单字体：%s", font.description)
    return font
