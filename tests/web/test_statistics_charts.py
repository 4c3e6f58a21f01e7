"""Chart geometry: bars proportional to their values, labels that never overlap, nothing drawn from nothing."""

import pytest

from coopcases.web.stats import charts


def test_horizontal_bars_are_proportional_and_carry_their_numbers():
    chart = charts.horizontal_bars("c", "Title", "Desc", ["A", "B"], [charts.Series("n", [10, 5], ["10", "5"])])
    assert [b.width for b in chart.bars] == [charts.PLOT_WIDTH, charts.PLOT_WIDTH / 2]
    assert [b.text for b in chart.bars] == ["10", "5"]
    assert [label.text for label in chart.labels] == ["A", "B"]
    assert chart.legend == []  # one series: no legend needed


def test_two_series_get_a_legend_and_distinct_colours():
    chart = charts.horizontal_bars("c", "T", "D", ["ES"], [charts.Series("median", [25], ["25"]), charts.Series("p90", [37], ["37"])])
    assert [item.name for item in chart.legend] == ["median", "p90"]
    assert chart.bars[0].color != chart.bars[1].color
    assert chart.bars[1].width == charts.PLOT_WIDTH and chart.bars[0].width == pytest.approx(charts.PLOT_WIDTH * 25 / 37)


def test_nothing_to_show_draws_empty_bars():
    chart = charts.horizontal_bars("c", "T", "D", ["A"], [charts.Series("n", [None], ["—"])])
    assert chart.bars[0].width == 0


def test_columns_thin_out_month_labels_when_there_are_many():
    few = charts.columns("c", "T", "D", ["m1", "m2", "m3"], charts.Series("n", [1, 2, 4], ["1", "2", "4"]))
    assert len(few.labels) == 3
    assert few.bars[2].height == charts.COLUMN_AREA_HEIGHT and few.bars[0].height == charts.COLUMN_AREA_HEIGHT / 4
    many = charts.columns("c", "T", "D", [f"m{i}" for i in range(36)], charts.Series("n", [1] * 36, ["1"] * 36))
    assert len(many.bars) == 36 and [label.text for label in many.labels][:2] == ["m0", "m3"]
