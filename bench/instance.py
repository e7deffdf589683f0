"""Generated instances for benchmarks: one folder per (scale, seed), reused when complete.

Generating and indexing 100,000 posts takes a while; a finished instance is
marked with ``demo.json`` (what was written, how long it took) and reused by
the next run with the same work directory, scale and seed.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import Any

from flask import Flask

BENCH_CONFIG = {
    # Measure the application, not the limiter: rate limits would answer 429.
    "RATELIMIT_ENABLED": False,
    # Page timings are taken with a signed-in test client; CSRF needs a form round trip.
    "WTF_CSRF_ENABLED": False,
    "SECRET_KEY": "bench-secret",
}


def bench_app(folder: Path, database: str | None = None, **extra: Any) -> Flask:
    """A Schwarm app on the instance in ``folder`` (SQLite there unless ``database``)."""
    from schwarm import create_app, database_uri

    folder.mkdir(parents=True, exist_ok=True)
    config = {
        **BENCH_CONFIG,
        "INSTANCE_PATH": str(folder),
        "SEARCH_INDEX_DIR": str(folder / "index"),
        "SQLALCHEMY_DATABASE_URI": database_uri(database, folder),
        **extra,
    }
    return create_app(config)


def _progress(label: str):
    state = {"done": 0}

    def step(count: int) -> None:
        state["done"] += count
        print(f"\r  {label}: {state['done']:,}", end="", file=sys.stderr, flush=True)

    return step


def ensure_instance(folder: Path, posts: int, seed: int, database: str | None = None,
                    quiet: bool = False, search: bool = True) -> dict:
    """Generate (or reuse) an instance with ``posts`` demo posts; returns its demo.json.

    Without ``search`` the content is not indexed: the instance gets an empty
    index (so no app process starts a rebuild), for timing everything but search.
    """
    from schwarm.cli import init_instance
    from schwarm.demo import Plan, generate

    plan = asdict(Plan.for_posts(posts))
    marker = folder / "demo.json"
    if marker.exists() and database is None:
        info = json.loads(marker.read_text())
        if (info.get("posts") != posts or info.get("seed") != seed or info.get("plan") != plan
                or info.get("search", True) != search):
            # made for another plan (an older generator): generate it again
            shutil.rmtree(folder)
        else:
            # Made by older code: bring the schema (and, if its layout changed, the
            # index) up to date, as `schwarm init` does after an upgrade.
            app = bench_app(folder)
            init_instance(app)
            with app.app_context():
                from schwarm.extensions import db

                db.engine.dispose()
            return info
    app = bench_app(folder, database)
    init_instance(app)
    with app.app_context():
        stats = generate(posts, seed,
                         progress=None if quiet else _progress(f"{posts:,} posts"),
                         index_progress=None if quiet else _progress("indexed"),
                         processes=os.cpu_count() or 1, reindex=search)
        if not search:
            from search.indexing import get_backend

            for _ in get_backend().rebuild([]):
                pass
        if not quiet:
            print(file=sys.stderr)
    info = {"posts": posts, "seed": seed, "plan": plan, "rows": stats.rows,
            "load_seconds": round(stats.load_seconds, 2),
            "index_seconds": round(stats.index_seconds, 2), "indexed": stats.indexed,
            "search": search}
    marker.write_text(json.dumps(info, indent=2))
    with app.app_context():
        from schwarm.extensions import db

        db.engine.dispose()
    return info


@contextmanager
def indexer_process(folder: Path, database: str | None = None,
                    ready_seconds: float = 60.0) -> Iterator[subprocess.Popen]:
    """The search indexer as ``schwarm serve`` runs it, on the instance in ``folder``.

    Measured requests then answer as they do in production: the index commits
    run in this process, not in the measured one.
    """
    from search.indexer import HEARTBEAT, STALE_SECONDS

    env = {**os.environ, "SCHWARM_INSTANCE": str(folder)}
    env.pop("DATABASE_URL", None)
    if database:
        env["DATABASE_URL"] = database
    process = subprocess.Popen([sys.executable, "-m", "search.indexer"], env=env,
                               cwd=Path(__file__).resolve().parent.parent)
    beat = folder / HEARTBEAT
    try:
        deadline = time.monotonic() + ready_seconds
        while not (beat.exists() and time.time() - beat.stat().st_mtime < STALE_SECONDS):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the search indexer did not start")
            time.sleep(0.05)
        yield process
    finally:
        process.terminate()
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
