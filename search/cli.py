"""``schwarm reindex``: rebuild the search index from the database."""

from __future__ import annotations

import os
import time

import click
from flask.cli import with_appcontext


@click.command("reindex")
@click.option("--batch-size", default=500, show_default=True, type=click.IntRange(1, 10_000),
              help="documents loaded from the database per step")
@click.option("--wait", default=600, show_default=True, type=click.IntRange(0, 86_400),
              help="seconds to wait for a running index writer")
@click.option("--processes", default=os.cpu_count() or 1, show_default="CPU count",
              type=click.IntRange(1, 64),
              help="worker processes analysing documents (Whoosh backend)")
@with_appcontext
def reindex_command(batch_size: int, wait: int, processes: int) -> None:
    """Rebuild the search index from the database, with a progress bar.

    Safe while the app runs: the old index serves until the new one is
    complete; changes made meanwhile are applied right after the switch.
    """
    from search.indexing import count_documents, get_backend, rebuild

    total = count_documents()
    started = time.monotonic()
    click.echo(f"Indexing {total} documents ({get_backend().name} backend)")
    with click.progressbar(length=total, label="Indexing", show_pos=True) as bar:
        try:
            indexed = rebuild(batch_size=batch_size, progress=bar.update, wait=wait,
                              processes=processes)
        except TimeoutError as error:
            raise click.ClickException(str(error)) from None
    elapsed = time.monotonic() - started
    click.echo(f"Indexed {indexed} documents in {elapsed:.1f} s")


@click.command("indexer")
@with_appcontext
def indexer_command() -> None:
    """Drain the search outbox until stopped (Ctrl-C or SIGTERM).

    ``schwarm serve`` starts one itself; run this beside another WSGI server
    so its workers leave index commits to this process (see search/indexer.py).
    """
    import signal
    import threading

    from flask import current_app

    from search.indexer import run

    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    click.echo("Indexer running; Ctrl-C stops it")
    applied = run(current_app._get_current_object(), stop)
    click.echo(f"Indexer stopped after applying {applied} outbox rows")
