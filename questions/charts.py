"""Analytics charts as SVG, drawn by pygal.

The SVG is served from its own route and shown through ``<img>``, where a
browser runs no script; the script element pygal adds for its tooltips is
removed anyway, and labels (tags, group names: user input) are text nodes
that the XML serialiser escapes.
"""

from __future__ import annotations

import re
import sys
from types import ModuleType

from flask_babel import gettext as _

CHARTS = ("weekly", "tags")
_SCRIPT = re.compile(rb"<script\b.*?</script>", re.DOTALL)


def _pygal() -> ModuleType:
    """pygal, imported on first use.

    Importing pygal puts a finder for its map plugins (``pygal.maps.*``, unused
    here) on ``sys.meta_path``; that finder lacks ``find_spec``, so every later
    import of a missing module warns. It is taken off again at once.
    """
    import pygal

    sys.meta_path[:] = [finder for finder in sys.meta_path
                        if type(finder).__module__ != "pygal"]
    return pygal


def _chart(kind: str, title: str):
    pygal = _pygal()
    from pygal.style import DefaultStyle

    return getattr(pygal, kind)(js=[], title=title, style=DefaultStyle, width=720, height=360,
                       show_legend=True, legend_at_bottom=True, print_values=False,
                       x_label_rotation=30, truncate_label=24)


def _render(chart) -> bytes:
    # pygal's script holds JSON in which "<" is escaped, so it cannot contain "</script>".
    return _SCRIPT.sub(b"", chart.render())


def weekly(data: dict) -> bytes:
    """Questions asked and answered per week."""
    chart = _chart("Bar", _("Questions per week"))
    chart.x_labels = [row["week"] for row in data["by_week"]]
    chart.add(_("Asked"), [row["asked"] for row in data["by_week"]])
    chart.add(_("Answered"), [row["answered"] for row in data["by_week"]])
    chart.add(_("Accepted"), [row["accepted"] for row in data["by_week"]])
    return _render(chart)


def tags(data: dict, limit: int = 15) -> bytes:
    """Median hours to the first answer, for the most asked tags."""
    rows = data["by_tag"][:limit]
    chart = _chart("HorizontalBar", _("Median hours to the first answer, by tag"))
    chart.x_labels = [f"#{row['tag']}" for row in rows]
    chart.add(_("Hours"), [row["median_hours_to_answer"] for row in rows])
    return _render(chart)


def render(name: str, data: dict) -> bytes:
    """The chart called ``name`` (one of CHARTS)."""
    return weekly(data) if name == "weekly" else tags(data)
