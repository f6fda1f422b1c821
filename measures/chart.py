"""The grade chart of the council report's cover, /reports/ and the public plan page: each purpose's grades per fiscal year, as stacked bars.

Laid out here in SVG units and drawn by a template (measures/_grade_chart.html) as inline SVG: no
library, no JavaScript, nothing fetched. Council members print in black and white, so each
grade has a pattern of its own as well as a shade, every segment wide enough carries its code
and count, and the counts that do not fit are written out beside the bar.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from core import fiscal

from .legend import Legend
from .models import Purpose
from .selectors import MeasureProgress

UNREPORTED = "報告なし"
UNGRADED = "評価なし"

# Fills in legend order: solid dark, hatched, dotted, cross-hatched, light grey, then white.
# A template draws each as an SVG pattern (measures/_grade_chart.html); the workbook's chart draws
# the same ones as Excel's pattern fills (reports/sheets/overview.py).
FILLS = ("solid", "hatch", "dots", "cross", "light", "blank")


def grade_fill(index: int) -> str:
    """The fill of the scale's ``index``-th grade: FILLS in order, light grey for any beyond
    them (white is 報告なし's)."""
    return FILLS[min(index, len(FILLS) - 2)]


# Geometry, in SVG user units (about a CSS pixel on A4 between print.css's margins).
WIDTH = 700
BAR_X = 155
BAR_WIDTH = 400
ROW_HEIGHT = 24
BAR_HEIGHT = 17
# A segment shows "B 2" inside it from this width; narrower ones are named beside the bar.
MIN_LABEL_WIDTH = 36


@dataclass
class ChartKey:
    """One entry of the legend: a grade (or 報告なし), its fill and the words it stands for."""

    code: str
    meaning: str
    fill: str


@dataclass
class ChartSegment:
    key: ChartKey
    count: int
    x: float
    width: float

    @property
    def labelled(self) -> bool:
        return self.width >= MIN_LABEL_WIDTH

    @property
    def text(self) -> str:
        return f"{self.key.code} {self.count}"

    @property
    def text_x(self) -> float:
        return self.x + self.width / 2

    @property
    def box_width(self) -> float:
        """A white box behind the label, so it reads on any pattern: about 7 units a character."""
        return min(self.width - 4, 7 * len(self.text) + 8)

    @property
    def box_x(self) -> float:
        return self.text_x - self.box_width / 2

    @property
    def dark(self) -> bool:
        return self.key.fill == "solid"


@dataclass
class ChartBar:
    fiscal_year: int
    y: float
    segments: list[ChartSegment]

    @property
    def label(self) -> str:
        return fiscal.fiscal_year_label(self.fiscal_year)

    @property
    def total(self) -> int:
        return sum(segment.count for segment in self.segments)

    @property
    def note(self) -> str:
        """Beside the bar: the total, and any count too narrow to be written inside."""
        hidden = "・".join(f"{s.key.code} {s.count}" for s in self.segments if not s.labelled)
        return f"計 {self.total}" + (f"({hidden})" if hidden else "")

    @property
    def text_y(self) -> float:
        return self.y + BAR_HEIGHT / 2

    @property
    def note_x(self) -> float:
        """Just after the bar's end, so the words sit with the bar they describe."""
        end = self.segments[-1].x + self.segments[-1].width if self.segments else BAR_X
        return end + 6


@dataclass
class ChartGroup:
    purpose: Purpose
    bars: list[ChartBar] = field(default_factory=list)

    @property
    def heading(self) -> str:
        """The purpose whole: its code and its full text (never cut)."""
        return f"{self.purpose.code} {self.purpose.text}"

    @property
    def height(self) -> int:
        return len(self.bars) * ROW_HEIGHT

    @property
    def description(self) -> str:
        """The chart said in words, for a screen reader."""
        parts = []
        for bar in self.bars:
            counts = "、".join(f"{s.key.code} {s.count}件" for s in bar.segments)
            parts.append(f"{bar.label}: {counts or 'なし'}")
        return f"計画の目的{self.purpose.code}の評価の内訳。" + "。".join(parts)


@dataclass
class GradeChart:
    keys: list[ChartKey]
    groups: list[ChartGroup]
    width: int = WIDTH
    bar_height: int = BAR_HEIGHT

    @property
    def is_empty(self) -> bool:
        return not self.groups


def grade_chart(rows: Iterable[MeasureProgress], legend: Legend, fiscal_years: list[int]) -> GradeChart:
    """Count each purpose's measure-years by grade per fiscal year, and lay the bars out.

    Bars share one scale (the longest bar fills the width), so purposes can be compared.
    A measure-year with no report counts as 報告なし.
    """
    meanings = dict((grade.code, meaning) for grade, meaning in legend.grade_meanings)
    codes = [grade.code for grade in legend.grades]
    counts: dict[int, dict[int, dict[str, int]]] = {}
    purposes: dict[int, Purpose] = {}
    ungraded = False
    for row in rows:
        purposes.setdefault(row.purpose.pk, row.purpose)
        by_year = counts.setdefault(row.purpose.pk, {})
        for year in row.years:
            if year.report is None:
                code = UNREPORTED
            elif year.grade is None:
                code, ungraded = UNGRADED, True
            else:
                code = year.grade.code
            tally = by_year.setdefault(year.fiscal_year, {})
            tally[code] = tally.get(code, 0) + 1

    keys = [ChartKey(code, meanings[code], grade_fill(i)) for i, code in enumerate(codes)]
    if ungraded:
        keys.append(ChartKey(UNGRADED, "評価の基準に当てはまらない", "light"))
    keys.append(ChartKey(UNREPORTED, "基準日までに報告がない", "blank"))

    totals = [sum(t.values()) for by_year in counts.values() for t in by_year.values()]
    unit = BAR_WIDTH / max(totals, default=1) if totals else 0
    groups = []
    for pk, purpose in sorted(purposes.items(), key=lambda item: (item[1].order, item[1].code)):
        group = ChartGroup(purpose)
        for index, year in enumerate(fiscal_years):
            tally = counts[pk].get(year, {})
            x, segments = float(BAR_X), []
            for key in keys:
                count = tally.get(key.code, 0)
                if count:
                    segments.append(ChartSegment(key, count, x, count * unit))
                    x += count * unit
            group.bars.append(ChartBar(year, index * ROW_HEIGHT + (ROW_HEIGHT - BAR_HEIGHT) / 2, segments))
        groups.append(group)
    return GradeChart(keys=keys, groups=groups)
