"""Small server-rendered SVG charts (no JavaScript, no CDN): a stacked bar of parts of a whole and
stacked columns per period. Colours come from the stylesheet through a tone class per segment
(`chart-good`, `chart-bad`…), so the SVG carries no inline style (the CSP allows none). The SVG is a
picture for sighted staff: it is `aria-hidden`, and every page that shows one also renders the same
numbers as a text table (the `chart_table` macro) for screen readers.

Segment labels are English labels marked for translation (`N_`, `_l`): the charts and their tables show
them in the reader's language (`translate_message`), and numbers with the locale's grouping."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from flask import has_request_context
from markupsafe import Markup, escape

from webapp.i18n import format_number, translate_message

TONES = frozenset({"good", "bad", "warn", "info", "neutral", "muted"})


@dataclass(frozen=True, slots=True)
class Segment:
    """One part of a bar: what it is, how many, and its tone (a badge tone: good, bad, warn, info…)."""

    label: str
    value: int
    tone: str = "neutral"

    def __post_init__(self) -> None:
        if self.value < 0:
            raise ValueError(f"A chart segment cannot be negative: {self.label} = {self.value}.")
        if self.tone not in TONES:
            raise ValueError(f"Unknown chart tone {self.tone!r}.")


@dataclass(frozen=True, slots=True)
class Column:
    """One period of a column chart (e.g. a week) and its stacked segments."""

    label: str
    segments: tuple[Segment, ...]

    @property
    def total(self) -> int:
        return sum(s.value for s in self.segments)


def _widths(values: Sequence[int], width: float) -> list[float]:
    """Each value's share of `width`; a non-zero value is never thinner than 2 px, so it stays visible."""
    total = sum(values)
    if total == 0:
        return [0.0 for _ in values]
    raw = [width * v / total for v in values]
    bumped = [max(w, 2.0) if v else 0.0 for w, v in zip(raw, values, strict=True)]
    scale = width / sum(bumped)
    return [w * scale for w in bumped]


def _shown(label: object) -> str:
    """A label in the reader's language (as it is outside a request)."""
    return translate_message(str(label)) if has_request_context() else str(label)


def _count(value: int) -> str:
    """A count with the reader's grouping (English's outside a request)."""
    return format_number(value) if has_request_context() else f"{value:,}"


def _num(x: float) -> str:
    return f"{x:.1f}".rstrip("0").rstrip(".")


def stacked_bar(segments: Sequence[Segment], *, width: int = 640, height: int = 28) -> Markup:
    """One horizontal bar split into the segments, in order, proportional to their values. An all-zero
    bar is drawn as an empty outline."""
    parts = [
        f'<svg class="chart chart-bar" viewBox="0 0 {width} {height}" width="100%" height="{height}" '
        'preserveAspectRatio="none" aria-hidden="true" focusable="false" xmlns="http://www.w3.org/2000/svg">',
        f'<rect class="chart-track" x="0" y="0" width="{width}" height="{height}" rx="4"/>',
    ]
    x = 0.0
    for segment, w in zip(segments, _widths([s.value for s in segments], width), strict=True):
        if w:
            parts.append(
                f'<rect class="chart-{segment.tone}" x="{_num(x)}" y="0" width="{_num(w)}" height="{height}">'
                f"<title>{escape(_shown(segment.label))}: {_count(segment.value)}</title></rect>"
            )
        x += w
    parts.append("</svg>")
    return Markup("".join(parts))


def column_chart(columns: Sequence[Column], *, height: int = 150, column_width: int = 34, gap: int = 14) -> Markup:
    """Stacked columns, one per period, on a common scale (the tallest column fills the height); each
    column's total above it and its label below it. It scales down to the width it is given."""
    label_room, top_room = 20, 18
    plot = height - label_room - top_room
    width = max(1, len(columns) * (column_width + gap) + gap)
    tallest = max((c.total for c in columns), default=0)
    parts = [
        f'<svg class="chart chart-columns" viewBox="0 0 {width} {height}" width="100%" '
        'aria-hidden="true" focusable="false" xmlns="http://www.w3.org/2000/svg">',
        f'<line class="chart-axis" x1="0" y1="{top_room + plot}" x2="{width}" y2="{top_room + plot}"/>',
    ]
    for i, column in enumerate(columns):
        x = gap + i * (column_width + gap)
        y = float(top_room + plot)
        for segment in column.segments:
            if not segment.value:
                continue
            h = max(plot * segment.value / tallest, 2.0)
            y -= h
            parts.append(
                f'<rect class="chart-{segment.tone}" x="{x}" y="{_num(y)}" width="{column_width}" height="{_num(h)}">'
                f"<title>{escape(_shown(column.label))}, {escape(_shown(segment.label))}: "
                f"{_count(segment.value)}</title></rect>"
            )
        centre = x + column_width / 2
        parts.append(
            f'<text class="chart-value" x="{_num(centre)}" y="{_num(y - 4)}" text-anchor="middle">'
            f"{_count(column.total)}</text>"
        )
        parts.append(
            f'<text class="chart-label" x="{_num(centre)}" y="{height - 5}" text-anchor="middle">'
            f"{escape(_shown(column.label))}</text>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))
