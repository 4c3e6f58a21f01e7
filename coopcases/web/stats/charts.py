"""Chart geometry for server-rendered SVG: Python lays the bars out, a template draws them (and escapes the text).

Each chart carries a title and a description for assistive technology; the page shows the same numbers in a
table beside it, so the chart is never the only way to read a figure.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

# Bar fills with at least 3:1 contrast against white (WCAG 2.1 non-text contrast); text is drawn in black.
PALETTE = ("#1f4e79", "#b34700", "#2e6b30", "#6a1b9a")
LABEL_WIDTH = 190
PLOT_WIDTH = 330
VALUE_WIDTH = 80
BAR_HEIGHT = 16
BAR_GAP = 4
GROUP_GAP = 10
COLUMN_AREA_HEIGHT = 160
COLUMN_MARGIN = 30  # room for half a month label either side


@dataclass(frozen=True)
class Series:
    name: str
    values: list[float | None]
    shown: list[str]  # each value as the page prints it


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    color: str
    text: str
    text_x: float
    text_y: float


@dataclass(frozen=True)
class Label:
    text: str
    x: float
    y: float


@dataclass(frozen=True)
class LegendItem:
    name: str
    color: str
    x: float
    y: float

    @property
    def text_x(self) -> float:
        return self.x + 16

    @property
    def text_y(self) -> float:
        return self.y + 11


@dataclass(frozen=True)
class Chart:
    chart_id: str
    title: str
    description: str
    width: int
    height: int
    bars: list[Bar]
    labels: list[Label]
    legend: list[LegendItem]
    baseline: tuple[float, float, float, float]  # x1, y1, x2, y2
    label_anchor: str  # "end" beside horizontal bars, "middle" under columns


def _scale(series: list[Series], length: float) -> float:
    top = max((v for s in series for v in s.values if v is not None), default=0)
    return length / top if top > 0 else 0


def horizontal_bars(chart_id: str, title: str, description: str, categories: list[str], series: list[Series]) -> Chart:
    """One group of bars per category (one bar per series), values printed at the end of each bar."""
    scale = _scale(series, PLOT_WIDTH)
    legend_height = (BAR_HEIGHT + BAR_GAP) * len(series) if len(series) > 1 else 0
    group_height = len(series) * (BAR_HEIGHT + BAR_GAP) + GROUP_GAP
    bars, labels, y = [], [], legend_height + GROUP_GAP
    for i, category in enumerate(categories):
        labels.append(Label(category, LABEL_WIDTH - 6, y + group_height / 2 - GROUP_GAP / 2 + 4))
        for j, s in enumerate(series):
            value = s.values[i] or 0
            width = value * scale
            bar_y = y + j * (BAR_HEIGHT + BAR_GAP)
            bars.append(Bar(LABEL_WIDTH, bar_y, width, BAR_HEIGHT, PALETTE[j % len(PALETTE)], s.shown[i],
                            LABEL_WIDTH + width + 4, bar_y + BAR_HEIGHT - 4))
        y += group_height
    legend = [LegendItem(s.name, PALETTE[j % len(PALETTE)], LABEL_WIDTH, j * (BAR_HEIGHT + BAR_GAP)) for j, s in enumerate(series)] if legend_height else []
    height = int(y + GROUP_GAP)
    return Chart(chart_id, title, description, LABEL_WIDTH + PLOT_WIDTH + VALUE_WIDTH, height, bars, labels, legend,
                 (LABEL_WIDTH, legend_height, LABEL_WIDTH, height - GROUP_GAP), "end")


def columns(chart_id: str, title: str, description: str, categories: list[str], series: Series) -> Chart:
    """One column per category (months along the bottom), its value printed above it."""
    slot = max(24, min(64, 640 / max(len(categories), 1)))
    every = math.ceil(60 / slot)  # a month label is about 60 px wide: label every n-th column so none overlap
    scale = _scale([series], COLUMN_AREA_HEIGHT)
    top, bars, labels = 20, [], []
    base = top + COLUMN_AREA_HEIGHT
    for i, category in enumerate(categories):
        value = series.values[i] or 0
        height = value * scale
        x = COLUMN_MARGIN + i * slot
        bars.append(Bar(x + slot * 0.15, base - height, slot * 0.7, height, PALETTE[0], series.shown[i], x + slot / 2, base - height - 4))
        if i % every == 0:
            labels.append(Label(category, x + slot / 2, base + 16))
    width = int(2 * COLUMN_MARGIN + slot * len(categories))
    return Chart(chart_id, title, description, width, base + 28, bars, labels, [], (COLUMN_MARGIN, base, width - COLUMN_MARGIN, base), "middle")
