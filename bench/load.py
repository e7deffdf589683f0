"""``make load``: gunicorn on loopback under many concurrent API clients, then a check
that nothing acknowledged was lost.

1. A fresh instance (SQLite in a temporary folder, or ``--database
   postgresql://...``, which should be an empty database) with one account and
   API token per client, and a few shared wiki pages. Rate limits are switched
   off in the instance's config.py: the test measures the app, not the limiter.
2. ``gunicorn --workers 4`` on 127.0.0.1 and a free port, as ``schwarm serve``
   runs it (with the search indexer process); the clients start once /healthz
   answers and the indexer beats.
3. ``--clients`` threads, each a bounded loop until ``--duration`` seconds have
   passed: post, comment, edit the *same* wiki pages with ``base_revision``
   (merges and 409 conflicts are expected; 409s are counted, not errors),
   search and read the stream. Every acknowledged write carries a unique
   marker word and its id is recorded.
4. After the load: wait (bounded) for the search outbox to drain, then check
   that every acknowledged post, comment and wiki revision is in the database
   with its text, that each is findable through ``/api/v1/search`` (for wiki
   pages: each client's last text), and that no request answered 5xx.

Throughput, latency percentiles and where the CPU went while the clients ran
(workers, indexer, the clients themselves; from /proc) go to stdout and
``bench/results/load-<time>.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from bench.app_bench import RESULTS, percentiles
from bench.http import Client
from bench.instance import bench_app

ROOT = Path(__file__).resolve().parent.parent
SHARED_PAGES = ("load/shared-one", "load/shared-two", "load/shared-three")
WEIGHTS = {"post": 30, "comment": 25, "wiki": 15, "search": 20, "read": 10}
SEARCH_WORDS = ("release", "backup", "kunden", "load", "test")
RETRIES_429 = 8


def marker(client: int, n: int) -> str:
    """A unique word of letters only (analysers keep it whole): client 3, write 17.

    It ends in "q", which no German or English stemmer strips, so no two markers
    share a stem ("zqaxbe" and "zqaxb" would)."""
    def letters(value: int) -> str:
        out = ""
        while True:
            value, rest = divmod(value, 26)
            out = chr(ord("a") + rest) + out
            if value == 0:
                return out
    return f"zq{letters(client)}x{letters(n)}q"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Acks:
    """Every write the server acknowledged: ids and the marker each carried."""

    posts: list[tuple[int, str]] = field(default_factory=list)
    comments: list[tuple[int, str]] = field(default_factory=list)
    revisions: list[tuple[str, int, str]] = field(default_factory=list)  # path, number, marker
    last_wiki: dict[tuple[str, int], str] = field(default_factory=dict)  # (path, client) -> marker


@dataclass
class Tally:
    """Statuses and latencies by operation."""

    latency: dict[str, list[float]] = field(default_factory=dict)
    statuses: dict[str, dict[int, int]] = field(default_factory=dict)
    server_errors: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    def record(self, op: str, status: int, seconds: float, detail: str = "") -> None:
        self.latency.setdefault(op, []).append(seconds)
        counts = self.statuses.setdefault(op, {})
        counts[status] = counts.get(status, 0) + 1
        if status >= 500 or status == 0:
            self.server_errors.append(f"{op}: {status} {detail[:200]}")


def _body(clients: int) -> str:
    return "# Shared page\n\n" + "".join(
        f"## Client {n}\n\nclient-{n}: start\n\nfiller {n}\n\n" for n in range(clients))


def prepare(folder: Path, clients: int, database: str | None = None) -> dict:
    """Instance, accounts, tokens and the shared pages; returns what the clients need."""
    from schwarm.accounts.services import create_token, create_user
    from schwarm.cli import init_instance
    from wiki.services import save_page

    folder.mkdir(parents=True, exist_ok=True)
    (folder / "config.py").write_text(
        "# written by bench/load.py: measure the app, not the limiter\n"
        "RATELIMIT_ENABLED = False\n")
    app = bench_app(folder, database, PASSWORD_HASH_METHOD="pbkdf2:sha256:1000")
    init_instance(app)
    with app.app_context():
        tokens = []
        for n in range(clients):
            user = create_user(f"load{n}", f"load{n}@example.com", "load-password-1",
                               f"Load Client {n}")
            tokens.append(create_token(user, "load")[1])
            if n == 0:
                for path in SHARED_PAGES:
                    save_page(user, path, title=path.rsplit("/", 1)[-1], body=_body(clients))
        from schwarm.extensions import db

        db.session.remove()
        db.engine.dispose()
    return {"tokens": tokens}


class Server:
    """gunicorn with ``workers`` workers on 127.0.0.1:<free port>, stopped by ``stop()``."""

    def __init__(self, folder: Path, workers: int, database: str | None,
                 search_backend: str | None = None):
        self.port = _free_port()
        self.folder = folder
        env = {**os.environ, "SCHWARM_INSTANCE": str(folder)}
        env.pop("DATABASE_URL", None)
        if database:
            env["DATABASE_URL"] = database
        if search_backend:
            env["SEARCH_BACKEND"] = search_backend
        self.log = open(folder / "gunicorn.log", "wb")  # noqa: SIM115 (closed in stop)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{self.port}",
             "--workers", str(workers), "--timeout", "60", "--graceful-timeout", "10",
             # as `schwarm serve`: JSON logs and the search indexer beside the workers
             "--config", "python:schwarm.serving", "schwarm:create_app()"],
            cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT)

    def wait_ready(self, timeout: float = 60.0) -> None:
        """Until /healthz answers 200 and the search indexer beats.

        The indexer loads the compound splitter's tables (about 2 s of CPU)
        before its first heartbeat; until then every worker drains on its own
        and loads them too. Driving load before that would measure start-up,
        not the steady state that ``schwarm serve`` reaches in seconds.
        """
        from search.indexer import HEARTBEAT

        client = Client(self.port)
        deadline = time.monotonic() + timeout
        healthy = False
        # SCHWARM_INDEXER=0 (schwarm/serving.py): no indexer; the workers drain
        indexer = os.environ.get("SCHWARM_INDEXER", "1") != "0"
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}")
            if not healthy:
                healthy = client.request("GET", "/healthz")[0] == 200
            if healthy and (not indexer or (self.folder / HEARTBEAT).exists()):
                return
            time.sleep(0.2)
        raise RuntimeError("gunicorn (or its search indexer) did not become ready in time")

    def processes(self) -> dict[int, str]:
        """The server's processes by pid: "arbiter", "worker" or "indexer" (Linux /proc)."""
        parents: dict[int, int] = {}
        for entry in Path("/proc").iterdir() if Path("/proc").is_dir() else []:
            if entry.name.isdigit():
                try:
                    parents[int(entry.name)] = int(_stat_fields(int(entry.name))[1])
                except (OSError, IndexError, ValueError):
                    continue
        found = {self.process.pid: "arbiter"}
        for pid, parent in parents.items():
            if parent == self.process.pid:
                try:
                    command = Path(f"/proc/{pid}/cmdline").read_bytes()
                except OSError:
                    continue
                found[pid] = "indexer" if b"search.indexer" in command else "worker"
        return found

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.log.close()


def _stat_fields(pid: int) -> list[str]:
    """The fields of /proc/<pid>/stat after the command name (state, ppid, ...)."""
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of a process so far (Linux /proc), or None."""
    try:
        fields = _stat_fields(pid)
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return None


def cpu_by_role(before: dict[int, float | None], after: dict[int, float | None],
                roles: dict[int, str]) -> dict[str, float]:
    """CPU seconds spent between two readings, summed per role."""
    spent: dict[str, float] = {}
    for pid, role in roles.items():
        if before.get(pid) is not None and after.get(pid) is not None:
            spent[role] = round(spent.get(role, 0.0) + after[pid] - before[pid], 2)
    return spent


def _client_loop(n: int, port: int, token: str, clients: int, deadline: float, seed: int,
                 acks: Acks, tally: Tally, lock: threading.Lock) -> None:
    rng = random.Random(seed * 1000 + n)
    http = Client(port, token)
    ops, weights = list(WEIGHTS), list(WEIGHTS.values())
    mine: list[int] = []
    pages: dict[str, tuple[int, str]] = {}
    count = 0
    while time.monotonic() < deadline:
        op = rng.choices(ops, weights)[0]
        if op == "comment" and not mine:
            op = "post"
        count += 1
        word = marker(n, count)
        began = time.monotonic()
        if op == "post":
            status, data = http.request("POST", "/api/v1/posts",
                                        {"body": f"Load test {word} #loadtest"})
            if status == 201:
                mine.append(data["id"])
                with lock:
                    acks.posts.append((data["id"], word))
        elif op == "comment":
            post_id = rng.choice(mine[-20:])
            status, data = http.request("POST", f"/api/v1/posts/{post_id}/comments",
                                        {"body": f"Reply {word}"})
            if status == 201:
                with lock:
                    acks.comments.append((data["id"], word))
        elif op == "wiki":
            status, data = _edit_page(http, rng.choice(SHARED_PAGES), n, word, pages, acks,
                                      lock, tally)
        elif op == "search":
            status, data = http.request("GET", "/api/v1/search?q=" + rng.choice(SEARCH_WORDS))
        else:
            status, data = http.request("GET", "/api/v1/stream?scope=all")
        with lock:
            tally.record(op, status, time.monotonic() - began, str(data))


def _edit_page(http: Client, path: str, n: int, word: str, pages: dict, acks: Acks,
               lock: threading.Lock, tally: Tally) -> tuple[int, object]:
    if path not in pages:
        began = time.monotonic()
        status, data = http.request("GET", f"/api/v1/wiki/{path}")
        with lock:
            tally.record("wiki_read", status, time.monotonic() - began, str(data))
        if status != 200:
            return status, data
        pages[path] = (data["revision"], data["body"])
    revision, body = pages[path]
    lines = [f"client-{n}: {word}" if line.startswith(f"client-{n}: ") else line
             for line in body.split("\n")]
    status, data = http.request("PUT", f"/api/v1/wiki/{path}", {
        "title": path.rsplit("/", 1)[-1], "body": "\n".join(lines),
        "summary": f"load {word}", "base_revision": revision})
    if status == 200 and not data.get("unchanged"):
        pages[path] = (data["revision"], data["body"])
        with lock:
            acks.revisions.append((path, data["revision"], word))
            acks.last_wiki[(path, n)] = word
    else:
        pages.pop(path, None)  # 409 or anything else: read the page again next time
    return status, data


def drive(port: int, tokens: list[str], duration: float, seed: int = 1) -> tuple[Acks, Tally]:
    """Run one thread per token for ``duration`` seconds."""
    acks, tally, lock = Acks(), Tally(), threading.Lock()
    deadline = time.monotonic() + duration
    threads = [threading.Thread(target=_client_loop, daemon=True, args=(
        n, port, token, len(tokens), deadline, seed, acks, tally, lock))
        for n, token in enumerate(tokens)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=duration + 120)
    return acks, tally


def wait_for_outbox(app, timeout: float = 120.0) -> int:
    """Poll until the search outbox is empty or ``timeout``; returns rows left."""
    from sqlalchemy import func, select

    from schwarm.extensions import db
    from search.models import IndexOutbox

    deadline = time.monotonic() + timeout
    with app.app_context():
        while True:
            left = db.session.scalar(select(func.count()).select_from(IndexOutbox)) or 0
            db.session.rollback()
            if left == 0 or time.monotonic() > deadline:
                return left
            time.sleep(0.5)


def check_database(app, acks: Acks) -> list[str]:
    """Acknowledged writes missing from the database (or with other text)."""
    from sqlalchemy import select

    from schwarm.extensions import db
    from stream.models import Comment, Post
    from wiki.models import Page, Revision

    lost = []
    with app.app_context():
        for model, items, kind in ((Post, acks.posts, "post"), (Comment, acks.comments,
                                                                "comment")):
            for start in range(0, len(items), 500):
                chunk = dict(items[start:start + 500])
                found = dict(db.session.execute(
                    select(model.id, model.body).where(model.id.in_(chunk))).all())
                lost += [f"{kind} {i}" for i, word in chunk.items()
                         if word not in found.get(i, "")]
        for path, number, word in acks.revisions:
            body = db.session.scalar(
                select(Revision.body).join(Page, Page.id == Revision.page_id)
                .where(Page.path == path, Revision.number == number))
            if body is None or word not in body:
                lost.append(f"page {path} revision {number}")
        db.session.rollback()
    return lost


def check_index(port: int, tokens: list[str], acks: Acks, threads: int = 4) -> list[str]:
    """Acknowledged writes that /api/v1/search does not find by their marker.

    The searches are spread over the clients' tokens; a 429 (should the
    instance's limits be on) is waited out and retried.
    """
    jobs = [("post", str(i), w) for i, w in acks.posts]
    jobs += [("comment", str(i), w) for i, w in acks.comments]
    jobs += [("page", path, w) for (path, _n), w in acks.last_wiki.items()]
    missing: list[str] = []
    lock = threading.Lock()

    def work(part: list[tuple[str, str, str]], token: str) -> None:
        http = Client(port, token)
        for kind, ident, word in part:
            for attempt in range(RETRIES_429):
                status, data = http.request("GET", f"/api/v1/search?q={word}&type={kind}")
                if status != 429:
                    break
                time.sleep(1 + attempt)
            ids = {str(item.get("path") or item.get("id")) for item in data.get("items", [])} \
                if status == 200 else set()
            if ident not in ids:
                with lock:
                    missing.append(f"{kind} {ident} ({word}): status {status}")

    threads = max(1, min(threads, len(tokens)))
    parts = [jobs[i::threads] for i in range(threads)]
    workers = [threading.Thread(target=work, args=(part, tokens[i]))
               for i, part in enumerate(parts)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return missing


def run(folder: Path, *, clients: int = 16, duration: float = 30.0, workers: int = 4,
        database: str | None = None, search_backend: str | None = None, seed: int = 1,
        out: Path | None = RESULTS) -> dict:
    """The whole load test; returns the report (also written to ``out`` as JSON)."""
    setup = prepare(folder, clients, database)
    server = Server(folder, workers, database, search_backend)
    try:
        server.wait_ready()
        roles = server.processes()
        cpu_before = {pid: cpu_seconds(pid) for pid in roles}
        client_before = time.process_time()
        began = time.monotonic()
        acks, tally = drive(server.port, setup["tokens"], duration, seed)
        elapsed = time.monotonic() - began
        cpu = cpu_by_role(cpu_before, {pid: cpu_seconds(pid) for pid in roles}, roles)
        cpu["client"] = round(time.process_time() - client_before, 2)
        app = bench_app(folder, database)
        outbox_left = wait_for_outbox(app)
        lost = check_database(app, acks)
        unfindable = check_index(server.port, setup["tokens"], acks)
    finally:
        server.stop()
    writes = len(acks.posts) + len(acks.comments) + len(acks.revisions)
    requests = sum(len(v) for v in tally.latency.values())
    report = {
        "benchmark": "load", "database": database.split("@")[-1] if database else "sqlite",
        "search_backend": search_backend or "whoosh", "clients": clients, "workers": workers,
        "duration_s": round(elapsed, 2), "requests": requests,
        "requests_per_s": round(requests / elapsed, 1),
        "acknowledged_writes": writes, "writes_per_s": round(writes / elapsed, 1),
        "posts": len(acks.posts), "comments": len(acks.comments),
        "wiki_revisions": len(acks.revisions),
        "wiki_conflicts_409": tally.statuses.get("wiki", {}).get(409, 0),
        "server_errors": len(tally.server_errors), "server_error_samples":
            tally.server_errors[:10],
        "lost": lost, "unfindable": unfindable, "outbox_left": outbox_left,
        "statuses": {op: {str(k): v for k, v in s.items()} for op, s in tally.statuses.items()},
        "latency_ms": {op: percentiles(v) for op, v in tally.latency.items()},
        # Where the CPU went while the clients ran: server processes from Linux /proc
        # (absent elsewhere), the client threads everywhere.
        "cpu_s": cpu, "cpu_available_s": round(elapsed * (os.cpu_count() or 1), 2),
        "worker_cpu_ms_per_request": round(1000 * cpu["worker"] / requests, 2)
        if requests and "worker" in cpu else None,
        "indexer_cpu_ms_per_write": round(1000 * cpu["indexer"] / writes, 2)
        if writes and "indexer" in cpu else None,
    }
    report["ok"] = not (lost or unfindable or tally.server_errors or outbox_left)
    if out is not None:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        out.mkdir(parents=True, exist_ok=True)
        report["json"] = str(out / f"load-{stamp}.json")
        Path(report["json"]).write_text(json.dumps(report, indent=2))
    return report


def summary(report: dict) -> str:
    """Throughput, percentiles and the verdict as text."""
    lines = [f"{report['database']} + {report['search_backend']}, {report['workers']} workers, "
             f"{report['clients']} clients, {report['duration_s']} s",
             f"requests: {report['requests']} ({report['requests_per_s']}/s); acknowledged "
             f"writes: {report['acknowledged_writes']} ({report['writes_per_s']}/s): "
             f"{report['posts']} posts, {report['comments']} comments, "
             f"{report['wiki_revisions']} wiki revisions, "
             f"{report['wiki_conflicts_409']} wiki 409s",
             f"{'op':12}{'n':>7}{'p50':>9}{'p95':>9}{'p99':>9}  statuses"]
    for op, row in sorted(report["latency_ms"].items()):
        lines.append(f"{op:12}{row['n']:7}{row['p50']:9.1f}{row['p95']:9.1f}{row['p99']:9.1f}"
                     f"  {report['statuses'][op]}")
    if report.get("cpu_s"):
        spent = ", ".join(f"{role} {seconds} s" for role, seconds in
                          sorted(report["cpu_s"].items()))
        lines.append(f"CPU while driving: {spent} (of {report['cpu_available_s']} s on all "
                     f"cores); per request in workers: {report['worker_cpu_ms_per_request']} "
                     f"ms; indexer per write: {report['indexer_cpu_ms_per_write']} ms")
    lines.append(f"5xx/connection errors: {report['server_errors']}; lost writes: "
                 f"{len(report['lost'])}; not findable: {len(report['unfindable'])}; "
                 f"outbox rows left: {report['outbox_left']}")
    lines.append("RESULT: " + ("nothing lost, no 5xx" if report["ok"] else "FAILED"))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """``make load``: ``--clients 16 --duration 30 --workers 4 [--database URL]``."""
    parser = argparse.ArgumentParser(prog="bench.load", description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--duration", type=float, default=30.0)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--database", help="postgresql://... (an empty database); "
                                           "default: SQLite in a temporary folder")
    parser.add_argument("--search-backend", choices=("whoosh", "postgres"))
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args, _rest = parser.parse_known_args(argv)
    with tempfile.TemporaryDirectory(prefix="schwarm-load-") as tmp:
        report = run(Path(tmp), clients=args.clients, duration=args.duration,
                     workers=args.workers, database=args.database,
                     search_backend=args.search_backend, seed=args.seed, out=args.out)
    print(summary(report))
    if report.get("json"):
        print(f"JSON: {report['json']}")
    return 0 if report["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
