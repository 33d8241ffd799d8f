"""The Insights charts, drawn with the review's SVG primitives
(`coaching.review.charts`): the same look, no second chart library, no
JavaScript. Each takes plain numbers and returns safe SVG markup; the page
shows the same numbers in a table under each chart."""

from __future__ import annotations

import datetime as dt

from django.utils.safestring import SafeString

from coaching.review.charts import GRID, INK, MUTED, RAG_COLOURS, _rect, _svg, _text, compact, legend

from .stats import Rate, percent

NEUTRAL = "#475569"
YES_NO_COLOURS = {"yes": "#2e7d32", "no": "#9ca3af"}
LINE_COLOURS = {"commit": "#1d4ed8", "best_case": "#60a5fa", "weighted": "#b45309", "propensity": "#7c3aed",
                "won": "#0f766e"}


def rate_chart(groups: list[tuple[str, list[tuple[str, str, Rate]]]], *, title: str, chart_id: str) -> SafeString:
    """Horizontal bars of win rates, one group per row label (a dimension),
    one bar per (name, colour, rate) in it, each with its 95% interval as a
    whisker. A sample too small for a rate shows its counts instead of a bar."""
    width, label_w, bar_h, gap, top = 560, 112, 14, 10, 12
    plot_w = width - label_w - 134
    body, y = [], top
    for x_percent in (0, 50, 100):
        x = label_w + plot_w * x_percent / 100
        body.append(f'<line x1="{x:.1f}" y1="{top - 4}" x2="{x:.1f}" y2="{{bottom}}" stroke="{GRID}"/>')
    for label, bars in groups:
        body.append(_text(label_w - 8, y + bar_h - 2, label, anchor="end", weight="bold"))
        for name, colour, rate in bars:
            if rate.rate is not None:
                w = plot_w * rate.rate
                body.append(_rect(label_w, y, w, bar_h, colour,
                                  f"{label} · {name}: {percent(rate.rate)} won "
                                  f"(95% {percent(rate.low)}–{percent(rate.high)}, n={rate.total})"))
                low, high = label_w + plot_w * rate.low, label_w + plot_w * rate.high
                mid = y + bar_h / 2
                body.append(f'<line x1="{low:.1f}" y1="{mid:.1f}" x2="{high:.1f}" y2="{mid:.1f}" stroke="{INK}"/>')
                for x in (low, high):
                    body.append(f'<line x1="{x:.1f}" y1="{mid - 4:.1f}" x2="{x:.1f}" y2="{mid + 4:.1f}" '
                                f'stroke="{INK}"/>')
                body.append(_text(label_w + plot_w + 8, y + bar_h - 2, f"{name} {percent(rate.rate)} (n={rate.total})"))
            else:
                body.append(_text(label_w + 4, y + bar_h - 2, f"{name}: {rate.hits} of {rate.total} won, too few",
                                  fill=MUTED))
            y += bar_h + 3
        y += gap
    bottom = y - gap + 4
    body = [part.replace("{bottom}", f"{bottom:.1f}") for part in body]
    body.append(_text(label_w, bottom + 14, "0%", anchor="middle", fill=MUTED))
    body.append(_text(label_w + plot_w / 2, bottom + 14, "50%", anchor="middle", fill=MUTED))
    body.append(_text(label_w + plot_w, bottom + 14, "100%", anchor="middle", fill=MUTED))
    return _svg(width, int(bottom + 22), title, body, chart_id)


def status_groups(rows: list[dict]) -> list[tuple[str, list[tuple[str, str, Rate]]]]:
    """The RSVP section's rows as `rate_chart` groups: green, amber, red per dimension."""
    return [(row["label"], [(status.capitalize(), RAG_COLOURS[status], row["rates"][status])
                            for status in ("green", "amber", "red") if row["rates"][status].total])
            for row in rows]


def forecast_chart(weeks: list[dict], *, currency: str, labels: dict[str, str]) -> SafeString:
    """One line per forecast over the weeks, and what closed won in each week's
    quarter as a flat line: the gap between them is the forecast's error."""
    width, height, left, right, top, bottom = 560, 230, 52, 10, 30, 30
    plot_w, plot_h = width - left - right, height - top - bottom
    keys = ["commit", "best_case", "weighted", "propensity", "won"]
    biggest = max((w[k] for w in weeks for k in keys), default=0) or 1
    body = legend([(labels[k], LINE_COLOURS[k]) for k in keys], x=4, y=14)
    body.append(f'<line x1="{left}" y1="{top + plot_h}" x2="{width - right}" y2="{top + plot_h}" stroke="{GRID}"/>')
    body.append(_text(left - 6, top + 8, compact(biggest), anchor="end", fill=MUTED))
    body.append(_text(left - 6, top + plot_h, "0", anchor="end", fill=MUTED))
    step = plot_w / max(len(weeks) - 1, 1)

    def point(index: int, value: float) -> str:
        return f"{left + index * step:.1f},{top + plot_h - plot_h * value / biggest:.1f}"

    for key in keys:
        points = " ".join(point(i, w[key]) for i, w in enumerate(weeks))
        dash = ' stroke-dasharray="5 3"' if key == "won" else ""
        if points:
            body.append(f'<polyline fill="none" stroke="{LINE_COLOURS[key]}" stroke-width="2"{dash} points="{points}">'
                        f"<title>{labels[key]} ({currency})</title></polyline>")
    shown: set[dt.date] = set()
    for index, week in enumerate(weeks):
        if week["quarter"] not in shown:
            shown.add(week["quarter"])
            x = left + index * step
            body.append(f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{top + plot_h}" stroke="{GRID}"/>')
            quarter = f"Q{(week['quarter'].month - 1) // 3 + 1} {week['quarter']:%y}"
            body.append(_text(x + 3, top + plot_h + 16, quarter, fill=MUTED))
    return _svg(width, height, f"Weekly forecasts against what closed won ({currency})", body, "chart-forecast-accuracy")


def count_chart(rows: list[tuple[str, int]], *, title: str, chart_id: str, colour: str = NEUTRAL) -> SafeString:
    """Horizontal bars of counts, one per labelled row."""
    width, label_w, row_h, top = 560, 120, 24, 6
    plot_w = width - label_w - 50
    biggest = max((n for _, n in rows), default=0) or 1
    body = []
    for index, (label, count) in enumerate(rows):
        y = top + index * row_h
        body.append(_text(label_w - 8, y + 15, label, anchor="end"))
        w = plot_w * count / biggest
        if w > 0:
            body.append(_rect(label_w, y + 3, w, row_h - 8, colour, f"{label}: {count}"))
        body.append(_text(label_w + w + 6, y + 15, str(count), fill=MUTED))
    return _svg(width, top + max(len(rows), 1) * row_h + 4, title, body, chart_id)
