"""The status page's charts as inline SVG, drawn on the server: they need no script and no network. (Kept from
before the templates; issue 13 wants them replaced by a vendored charting library.)"""

from __future__ import annotations

from html import escape

from markupsafe import Markup


def _number(value: float) -> str:
    """Whole numbers grouped by thousands with a space."""
    return f"{value:,.0f}".replace(",", " ")


def bar_chart(title: str, bars: list[tuple[str, float]], chart_id: str, nothing: str, unit: str = "") -> Markup:
    width, row, font = 360, 26, 13
    # Room for the longest label on the left and for the figure after the longest bar on the right.
    label_width = min(max([len(label) for label, _ in bars] + [6]) * 8 + 12, 170)
    value_width = max([len(_number(v) + unit) for _, v in bars] + [1]) * 8 + 8
    span = width - label_width - value_width
    height = 30 + row * max(len(bars), 1)
    top = max([v for _, v in bars] + [1])
    parts = [
        f'<svg viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}" data-chart="{chart_id}">',
        f'<text x="0" y="16" font-size="14" font-weight="600">{escape(title)}</text>',
    ]
    for i, (label, value) in enumerate(bars):
        y = 26 + i * row
        w = 0 if top == 0 else (value / top) * span
        parts.append(
            f'<text x="0" y="{y + 15}" font-size="{font}">{escape(label)}</text>'
            f'<rect x="{label_width}" y="{y + 3}" width="{w:.1f}" height="16" rx="2" fill="#1f6feb" data-value="{value}"/>'
            f'<text x="{label_width + w + 4:.1f}" y="{y + 15}" font-size="{font}">{_number(value)}{escape(unit)}</text>'
        )
    if not bars:
        parts.append(f'<text x="0" y="44" font-size="{font}" fill="#5b6b7b">{escape(nothing)}</text>')
    parts.append("</svg>")
    return Markup(f'<div class="card">{"".join(parts)}</div>')  # every text in it is escaped


def line_chart(
    title: str,
    points: list[tuple[str, int]],
    chart_id: str,
    limits: tuple[tuple[str, int | None, str], ...],
    nothing: str,
) -> Markup:
    """`limits`: (label, value, colour) of each dashed line (a cap, a target); equal ones are given once."""
    width, height, left, right, bottom = 360, 200, 30, 350, 170
    top_value = max([v for _, v in points] + [value or 0 for _, value, _ in limits] + [1])
    scale = (bottom - 40) / top_value
    step = (right - left) / max(len(points) - 1, 1)
    coords = [(left + i * step, bottom - v * scale) for i, (_, v) in enumerate(points)]
    parts = [
        f'<svg viewBox="0 0 {width} {height + 10}" role="img" aria-label="{escape(title)}" data-chart="{chart_id}">',
        f'<text x="0" y="16" font-size="14" font-weight="600">{escape(title)}</text>',
        f'<line x1="{left}" y1="{bottom}" x2="{right}" y2="{bottom}" stroke="#d8dee6"/>',
        f'<text x="{left - 4}" y="{bottom + 4}" font-size="12" text-anchor="end" fill="#5b6b7b">0</text>',
    ]
    # A cap and a target of the same size share one line and one label, so the labels never overprint.
    limit_ys = [bottom - value * scale for _, value, _ in limits if value]
    for label, value, colour in limits:
        if value:
            y = bottom - value * scale
            parts.append(
                f'<line x1="{left}" y1="{y:.1f}" x2="{right}" y2="{y:.1f}" stroke="{colour}" '
                f'stroke-dasharray="4 3"/><text x="{right}" y="{y - 4:.1f}" font-size="12" text-anchor="end" '
                f'fill="{colour}">{escape(label)} {value}</text>'
            )
    if coords:
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
        last_x, last_y = coords[-1]
        # The latest figure sits above the line's end, or below it where a cap or target label would be.
        label_y = last_y + 20 if any(-6 <= last_y - y <= 22 for y in limit_ys) else last_y - 8
        parts.append(f'<polyline points="{path}" fill="none" stroke="#1f6feb" stroke-width="2.5"/>')
        parts.append(
            f'<circle cx="{last_x:.1f}" cy="{last_y:.1f}" r="3.5" fill="#1f6feb"/>'
            f'<text x="{last_x - 6:.1f}" y="{label_y:.1f}" font-size="13" font-weight="600" text-anchor="end">'
            f"{points[-1][1]}</text>"
            f'<text x="{left}" y="{height + 5}" font-size="12" fill="#5b6b7b">{escape(points[0][0])}</text>'
            f'<text x="{right}" y="{height + 5}" font-size="12" text-anchor="end" fill="#5b6b7b">{escape(points[-1][0])}</text>'
        )
    else:
        parts.append(f'<text x="40" y="100" font-size="13" fill="#5b6b7b">{escape(nothing)}</text>')
    parts.append("</svg>")
    return Markup(f'<div class="card">{"".join(parts)}</div>')  # every text in it is escaped
