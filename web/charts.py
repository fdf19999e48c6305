"""The overview's stacked bars, drawn on the server as inline SVG (no script, no library).

One bar per document type: each state is a segment as wide as its share of the documents,
with its count written inside when it fits, and a legend (colour, French label, count) under
the bar. The SVG carries a `<title>` and a `<desc>` that say the same numbers in words, and
the page shows them in a table as well, so nothing depends on seeing colours.

Colours: the Okabe–Ito palette (readable with every common colour-vision deficiency), by the
state's position in its workflow; each count is written in black or white, whichever
contrasts more with its segment.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from markupsafe import Markup

PALETTE = (
    "#999999",  # grey: usually the initial state (in preparation)
    "#E69F00",  # orange
    "#56B4E9",  # sky blue
    "#D55E00",  # vermillion
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#0072B2",  # blue
    "#F0E442",  # yellow
)
WIDTH = 640
BAR_HEIGHT = 36
LEGEND_ROW = 22
LEGEND_COLUMNS = 2
_MIN_LABEL_WIDTH = 22  # px a segment needs to show its count inside


@dataclass(frozen=True)
class Segment:
    label: str
    count: int


def _luminance(colour: str) -> float:
    def channel(hex2: str) -> float:
        c = int(hex2, 16) / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(colour[i : i + 2]) for i in (1, 3, 5))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def text_colour(background: str) -> str:
    """Black or white, whichever has the higher contrast ratio on `background`."""
    lum = _luminance(background)
    on_black = (lum + 0.05) / 0.05
    on_white = 1.05 / (lum + 0.05)
    return "#000000" if on_black >= on_white else "#FFFFFF"


def colour_of(index: int) -> str:
    return PALETTE[index % len(PALETTE)]


def stacked_bar(chart_id: str, title: str, segments: Sequence[Segment]) -> Markup:
    """One accessible SVG: a stacked horizontal bar of `segments` and its legend."""
    total = sum(s.count for s in segments)
    words = ", ".join(f"{s.label} : {s.count}" for s in segments)
    desc = f"{total} document{'s' if total > 1 else ''} au total. {words}."
    legend_rows = (len(segments) + LEGEND_COLUMNS - 1) // LEGEND_COLUMNS
    height = BAR_HEIGHT + 12 + legend_rows * LEGEND_ROW
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'viewBox="0 0 {WIDTH} {height}" width="100%" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(desc)}</desc>',
    ]
    if total == 0:
        parts.append(
            f'<rect x="0" y="0" width="{WIDTH}" height="{BAR_HEIGHT}" fill="#FFFFFF" '
            'stroke="#595959"/>'
            f'<text x="{WIDTH / 2}" y="{BAR_HEIGHT / 2 + 5}" text-anchor="middle" '
            'fill="#000000" font-size="14">Aucun document</text>'
        )
    x = 0.0
    for index, segment in enumerate(segments):
        if segment.count == 0 or total == 0:
            continue
        width = WIDTH * segment.count / total
        colour = colour_of(index)
        parts.append(
            f'<rect x="{x:.2f}" y="0" width="{width:.2f}" height="{BAR_HEIGHT}" '
            f'fill="{colour}" stroke="#FFFFFF" stroke-width="1">'
            f"<title>{escape(segment.label)} : {segment.count}</title></rect>"
        )
        if width >= _MIN_LABEL_WIDTH:
            parts.append(
                f'<text x="{x + width / 2:.2f}" y="{BAR_HEIGHT / 2 + 5}" text-anchor="middle" '
                f'fill="{text_colour(colour)}" font-size="14" font-weight="bold" '
                f'aria-hidden="true">{segment.count}</text>'
            )
        x += width
    for index, segment in enumerate(segments):
        row, column = divmod(index, LEGEND_COLUMNS)
        lx = column * (WIDTH / LEGEND_COLUMNS)
        ly = BAR_HEIGHT + 12 + row * LEGEND_ROW
        parts.append(
            f'<g aria-hidden="true"><rect x="{lx:.0f}" y="{ly}" width="14" height="14" '
            f'fill="{colour_of(index)}" stroke="#595959"/>'
            f'<text x="{lx + 20:.0f}" y="{ly + 12}" font-size="13" fill="#1A1A1A">'
            f"{escape(segment.label)} ({segment.count})</text></g>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704  (every text above is escaped)
