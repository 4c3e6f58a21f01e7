"""WCAG 2.1 AA contrast of the UI's colour pairs (1.4.3: at least 4.5:1 for text), read from the stylesheet."""

import re
from pathlib import Path

import pytest

CSS = (Path(__file__).resolve().parents[2] / "coopcases" / "web" / "static" / "web" / "app.css").read_text()
VARIABLES = dict(re.findall(r"--([\w-]+):\s*(#[0-9a-fA-F]{6})", CSS))

# (text, background) pairs the pages use.
PAIRS = [
    ("ink", "paper"), ("muted", "paper"), ("brand", "paper"), ("brand-ink", "brand"),
    ("bad-ink", "bad-bg"), ("warn-ink", "warn-bg"), ("ok-ink", "ok-bg"), ("bad-ink", "paper"),
]


def _luminance(colour: str) -> float:
    channels = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    light, dark = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_the_contrast_formula():
    assert round(contrast("#000000", "#ffffff"), 1) == 21.0
    assert contrast("#777777", "#ffffff") < 4.5


@pytest.mark.parametrize(("text", "background"), PAIRS)
def test_text_colours_meet_aa(text, background):
    assert contrast(VARIABLES[text], VARIABLES[background]) >= 4.5


def test_focus_is_always_visible():
    assert re.search(r":focus-visible\s*\{[^}]*outline:\s*3px solid", CSS)
