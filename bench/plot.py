"""A small hand-written SVG line chart: p95 latency against data size, one line per
endpoint, log-scaled size axis. No plotting dependency needed."""

from __future__ import annotations

import math
from html import escape
from pathlib import Path

WIDTH, HEIGHT = 900, 520
LEFT, RIGHT, TOP, BOTTOM = 70, 230, 40, 60
COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
           "#7f7f7f", "#bcbd22", "#17becf", "#393b79", "#637939", "#8c6d31", "#843c39",
           "#7b4173", "#3182bd")


def _ticks(top: float) -> list[float]:
    step = 10 ** math.floor(math.log10(max(top, 1e-3)))
    for factor in (1, 2, 5, 10):
        if top / (step * factor) <= 6:
            step *= factor
            break
    return [step * i for i in range(int(top / step) + 2)]


def svg(scales: list[dict], metric: str = "p95") -> str:
    """The chart for ``scales`` (as written by :mod:`bench.app_bench`)."""
    sizes = [s["posts"] for s in scales]
    names = list(scales[0]["endpoints"]) if scales else []
    top = max((s["endpoints"][n][metric] for s in scales for n in names), default=1.0)
    ticks = _ticks(top)
    y_max = ticks[-1] or 1.0
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    low, high = math.log10(min(sizes or [1])), math.log10(max(sizes or [10]))
    span = (high - low) or 1.0

    def x(size: int) -> float:
        if len(sizes) == 1:
            return LEFT + plot_w / 2
        return LEFT + (math.log10(size) - low) / span * plot_w

    def y(ms: float) -> float:
        return TOP + plot_h - ms / y_max * plot_h

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
           f'font-family="sans-serif" font-size="12">',
           f'<rect width="{WIDTH}" height="{HEIGHT}" fill="white"/>',
           f'<text x="{LEFT}" y="22" font-size="15">Schwarm server latency ({metric}, ms) '
           f'against number of posts</text>']
    for tick in ticks:
        out.append(f'<line x1="{LEFT}" x2="{LEFT + plot_w}" y1="{y(tick):.1f}" '
                   f'y2="{y(tick):.1f}" stroke="#ddd"/>')
        out.append(f'<text x="{LEFT - 8}" y="{y(tick) + 4:.1f}" text-anchor="end">'
                   f'{tick:g}</text>')
    for size in sizes:
        out.append(f'<text x="{x(size):.1f}" y="{TOP + plot_h + 20}" text-anchor="middle">'
                   f'{size:,}</text>')
    out.append(f'<line x1="{LEFT}" x2="{LEFT}" y1="{TOP}" y2="{TOP + plot_h}" stroke="#333"/>')
    out.append(f'<line x1="{LEFT}" x2="{LEFT + plot_w}" y1="{TOP + plot_h}" '
               f'y2="{TOP + plot_h}" stroke="#333"/>')
    for index, name in enumerate(names):
        colour = COLOURS[index % len(COLOURS)]
        points = [(x(s["posts"]), y(s["endpoints"][name][metric])) for s in scales]
        path = " ".join(f"{px:.1f},{py:.1f}" for px, py in points)
        out.append(f'<polyline points="{path}" fill="none" stroke="{colour}" '
                   f'stroke-width="2"/>')
        for px, py in points:
            out.append(f'<circle cx="{px:.1f}" cy="{py:.1f}" r="3" fill="{colour}"/>')
        ly = TOP + 14 + index * 18
        out.append(f'<rect x="{WIDTH - RIGHT + 15}" y="{ly - 9}" width="12" height="12" '
                   f'fill="{colour}"/>')
        out.append(f'<text x="{WIDTH - RIGHT + 32}" y="{ly + 1}">{escape(name)}</text>')
    out.append("</svg>")
    return "\n".join(out)


def write_svg(path: Path, scales: list[dict], metric: str = "p95") -> Path:
    """Write the chart to ``path``."""
    path.write_text(svg(scales, metric))
    return path
