"""Charts where looking beats reading, as inline SVG rendered on the server:
no JavaScript, crisp at any zoom, and they print. Each function takes plain
numbers and returns safe SVG markup; every label is escaped."""

from __future__ import annotations

import datetime as dt

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

CATEGORY_COLOURS = {
    "closed": "#0f766e",
    "commit": "#1d4ed8",
    "best_case": "#60a5fa",
    "pipeline": "#cbd5e1",
}
RAG_COLOURS = {"red": "#c62828", "amber": "#ef8f00", "green": "#2e7d32", "unscored": "#d1d5db"}
INK, GRID, MUTED = "#1f2933", "#e5e7eb", "#6b7280"
FONT = 'font-family="system-ui, sans-serif" font-size="12"'


def compact(amount: float) -> str:
    """1234567 -> 1.2M; 45000 -> 45k."""
    amount = float(amount or 0)
    for size, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(amount) >= size:
            value = amount / size
            return f"{value:.1f}{suffix}" if value < 100 else f"{value:.0f}{suffix}"
    return f"{amount:.0f}"


def _svg(width: int, height: int, title: str, body: list[str], chart_id: str) -> SafeString:
    label = escape(title)
    return mark_safe(  # noqa: S308 (every interpolated text is escaped above)
        f'<svg class="chart" id="{chart_id}" viewBox="0 0 {width} {height}" width="100%" '
        f'role="img" aria-labelledby="{chart_id}-title" {FONT}>'
        f'<title id="{chart_id}-title">{label}</title>{"".join(body)}</svg>'
    )


def _rect(x: float, y: float, w: float, h: float, fill: str, tip: str) -> str:
    return (f'<rect x="{x:.1f}" y="{y:.1f}" width="{max(w, 0):.1f}" height="{h:.1f}" fill="{fill}">'
            f"<title>{escape(tip)}</title></rect>")


def _text(x: float, y: float, text: str, *, anchor: str = "start", fill: str = INK, weight: str = "") -> str:
    bold = ' font-weight="600"' if weight else ""
    return f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" fill="{fill}"{bold}>{escape(text)}</text>'


def legend(items: list[tuple[str, str]], *, x: float, y: float) -> list[str]:
    parts, cursor = [], x
    for label, colour in items:
        parts.append(f'<rect x="{cursor:.1f}" y="{y - 9:.1f}" width="10" height="10" fill="{colour}"/>')
        parts.append(_text(cursor + 14, y, label, fill=MUTED))
        cursor += 22 + 7 * len(label)
    return parts


def forecast_chart(
    bars: list[tuple[str, dict[str, float]]], *, currency: str, categories: list[tuple[str, str]]
) -> SafeString:
    """Horizontal stacked bars, one per row (team, then each rep): the amount
    in each forecast category, in one currency."""
    width, label_w, row_h, top = 560, 110, 26, 30
    plot_w = width - label_w - 90
    order = [key for key, _ in sorted(categories, key=lambda c: list(CATEGORY_COLOURS).index(c[0]))]
    labels = dict(categories)
    biggest = max((sum(values.get(k, 0) for k in order) for _, values in bars), default=0) or 1
    body = legend([(labels[k], CATEGORY_COLOURS[k]) for k in order], x=label_w, y=16)
    for index, (name, values) in enumerate(bars):
        y = top + index * row_h
        body.append(_text(label_w - 8, y + 15, name, anchor="end", weight="bold" if index == 0 else ""))
        x = float(label_w)
        for key in order:
            value = values.get(key, 0)
            w = plot_w * value / biggest
            if w > 0:
                body.append(_rect(x, y + 3, w, row_h - 8, CATEGORY_COLOURS[key],
                                  f"{name} · {labels[key]}: {value:,.0f} {currency}"))
            x += w
        total = sum(values.get(k, 0) for k in order)
        body.append(_text(x + 6, y + 15, f"{compact(total)} {currency}", fill=MUTED))
    height = top + max(len(bars), 1) * row_h + 6
    return _svg(width, height, f"Forecast by category ({currency})", body, "chart-forecast")


def rsvp_chart(distribution: dict[str, dict[str, int]]) -> SafeString:
    """One 100% bar per RSVP dimension: how many open deals are red, amber, green, unscored."""
    width, label_w, row_h, top = 560, 100, 28, 30
    plot_w = width - label_w - 20
    order = ["red", "amber", "green", "unscored"]
    body = legend([(s.capitalize(), RAG_COLOURS[s]) for s in order], x=label_w, y=16)
    for index, (dimension, counts) in enumerate(distribution.items()):
        y = top + index * row_h
        body.append(_text(label_w - 8, y + 16, dimension.capitalize(), anchor="end"))
        total = sum(counts.get(s, 0) for s in order) or 1
        x = float(label_w)
        for status in order:
            count = counts.get(status, 0)
            w = plot_w * count / total
            if w > 0:
                body.append(_rect(x, y + 3, w, row_h - 8, RAG_COLOURS[status],
                                  f"{dimension.capitalize()}: {count} {status}"))
                if w > 22:
                    colour = INK if status == "unscored" else "#fff"
                    body.append(_text(x + w / 2, y + 16, str(count), anchor="middle", fill=colour))
            x += w
    height = top + max(len(distribution), 1) * row_h + 4
    return _svg(width, height, "RSVP status of open deals", body, "chart-rsvp")


def slips_chart(weeks: list[tuple[dt.date, int]]) -> SafeString:
    """Vertical bars: close dates slipped per week."""
    width, height, left, bottom, top = 720, 190, 34, 28, 14
    plot_h = height - top - bottom
    biggest = max((n for _, n in weeks), default=0) or 1
    step = (width - left - 10) / max(len(weeks), 1)
    body = [f'<line x1="{left}" y1="{height - bottom}" x2="{width - 10}" y2="{height - bottom}" stroke="{GRID}"/>',
            _text(left - 6, top + 8, str(biggest), anchor="end", fill=MUTED),
            _text(left - 6, height - bottom, "0", anchor="end", fill=MUTED)]
    for index, (week, count) in enumerate(weeks):
        x = left + index * step
        h = plot_h * count / biggest
        body.append(_rect(x + step * 0.18, height - bottom - h, step * 0.64, h, "#b45309",
                          f"Week of {week:%d %b}: {count} slipped"))
        if count:
            body.append(_text(x + step / 2, height - bottom - h - 4, str(count), anchor="middle"))
        body.append(_text(x + step / 2, height - bottom + 16, f"{week:%d %b}", anchor="middle", fill=MUTED))
    return _svg(width, height, "Close dates slipped per week", body, "chart-slips")
