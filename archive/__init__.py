"""Export: everything (or one group) as JSON plus a readable Markdown tree.

``schwarm export DIR [--group SLUG]`` — see :mod:`archive.export`. The company's
knowledge is never locked in: the JSON holds every row a migration to another
system needs (no password hashes, sessions or tokens), the Markdown tree is
readable without any tool.
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register ``schwarm export``."""
    from archive.cli import export_command

    app.cli.add_command(export_command)
