"""``schwarm export DIR [--group SLUG]``."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext


@click.command("export")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--group", "slug", help="export only this group (private ones too)")
@with_appcontext
def export_command(directory: Path, slug: str | None) -> None:
    """Write everything (or one group) as JSON plus a Markdown tree into DIRECTORY.

    JSON: users (no password hashes or tokens), groups with members, posts with
    comments and likes, wiki pages with every revision. Markdown: wiki pages
    with their history, and one file per stream thread. DIRECTORY must be new
    or empty.
    """
    from archive.export import count_rows, export
    from schwarm.groups.services import find_group

    group = None
    if slug:
        group = find_group(slug)
        if group is None:
            raise click.ClickException(f"No group {slug!r}.")
    if directory.exists() and any(directory.iterdir()):
        raise click.ClickException(f"{directory} is not empty; choose a new directory.")
    total = count_rows(group)
    with click.progressbar(length=total, label="Exporting", show_pos=True) as bar:
        counts = export(directory, group, progress=bar.update)
    click.echo("Exported " + ", ".join(f"{value} {key}" for key, value in counts.items())
               + f" to {directory}")
