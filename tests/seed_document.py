"""Reads the ward's own document (fixtures/source, identical to shared/seed) so tests compare the database with it."""

from __future__ import annotations

import re
from dataclasses import dataclass

MONTH_RE = re.compile(r"^(\d{1,2})月$")
DIV_TEXT_RE = re.compile(r">\s*([^<>]+?)\s*</div>")


@dataclass
class ScheduleTableText:
    fiscal_year_label: str
    months: list[int]
    phase_row: list[str]
    rows: dict[str, list[str]]  # row label -> 12 cells


def schedule_table(document: str) -> ScheduleTableText:
    lines = document.split("\n")
    start = next(i for i, line in enumerate(lines) if line.strip().endswith("策定スケジュール"))
    table = [line for line in lines[start + 1 :] if line.strip()]
    header, month_line, *rest = table
    months = [int(MONTH_RE.match(cell).group(1)) for cell in month_line.split("\t")[1:]]
    rows: dict[str, list[str]] = {}
    phase_row: list[str] = []
    for line in rest:
        if "\t" not in line:
            break
        label, *cells = line.split("\t")
        cells = [c.strip() for c in cells] + [""] * (12 - len(cells))
        if label == "全体スケジュール":
            phase_row = cells
        else:
            rows[label] = cells
    return ScheduleTableText(header.strip(), months, phase_row, rows)


@dataclass
class PurposeText:
    code: str
    text: str
    keywords: list[str]
    technologies: list[str]


def image_diagram(document: str) -> list[PurposeText]:
    """The イメージ図: each purpose with its keywords and technologies, in the document's order."""
    part = document.split("イメージ図", 1)[1]
    purposes = []
    for line in part.split("\n"):
        cells = line.split("\t")
        if len(cells) >= 3 and cells[0] in ("ア", "イ", "ウ"):
            technologies = DIV_TEXT_RE.findall(cells[3]) if len(cells) > 3 else []
            purposes.append(
                PurposeText(cells[0], cells[1].strip(), DIV_TEXT_RE.findall(cells[2]), technologies)
            )
    # "AI (人工知能)" stands by itself under the diagram: a technology of ウ (DOMAIN.md).
    trailing = part.strip().split("\n")[-1].strip()
    if trailing.startswith("AI"):
        purposes[-1].technologies.append(trailing)
    return purposes


def measure_titles(document: str) -> list[str]:
    section = document.split("計画に盛り込む施策案", 1)[1].split("(3)", 1)[0]
    titles = []
    for line in section.split("\n"):
        match = re.match(r"^-\s*・\s*(.+?)\s*(?:等)?$", line.strip())
        if match:
            titles.append(match.group(1).strip())
    return titles


def plan_period(document: str) -> str:
    section = document.split("計画期間", 1)[1]
    return next(line.strip() for line in section.split("\n") if line.strip())
