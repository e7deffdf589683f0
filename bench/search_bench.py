"""Search benchmark: index throughput and query latency per backend and size.

Not a test: it prints a table and writes JSON to ``bench/results/``::

    python -m bench.search_bench                         # 10k and 100k, both backends
    python -m bench.search_bench --sizes 2000 --queries 50 --backends whoosh
    python -m bench.search_bench --sizes 1000000 --backends whoosh

Documents are synthetic German/English posts, questions, comments and pages
(Zipf-distributed vocabulary with compounds, tags, 25 groups of which 5 are
private). Measured:

* ``rebuild docs/s`` — a full rebuild (what ``schwarm reindex`` does), from
  ready documents: analysis plus index writing.
* ``update docs/s`` — the outbox path: batches of 20 upserts, each its own
  index commit.
* ``index MB`` — size of the Whoosh index after the rebuild (PostgreSQL: none).
* ``query p50/p95 ms`` — :func:`search.services.search` as the search page
  calls it (permission scope of a member of some groups, facets, snippets,
  first page of 20), over a fixed mix of broad, medium and specific words,
  two-word queries, phrases, inflected forms, filters, exclusions and date
  sort (``Corpus.queries``), each the *first* time it runs in the process
  (after a warm-up with other queries); ``repeat p95`` runs the same list
  again (per-segment caches warm). p95 per kind of query is in the JSON.
* ``suggest p95 ms`` — search-as-you-type prefixes.

With ``--workdir DIR`` a Whoosh instance is kept in ``DIR/whoosh-<size>-documents``
and later runs measure its queries again without indexing (the JSON then
repeats the build figures of the run that built it, with ``built_at``):
indexing a million documents takes over an hour on two cores.

PostgreSQL runs against ``--pg-url`` (default: ``BENCH_DATABASE_URL`` or
postgresql://postgres@127.0.0.1:5432/schwarm_bench, created if missing) and
is skipped when that server is unreachable.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"
DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/schwarm_bench"

GERMAN = """Kunde Mitarbeiter Prozess Qualität Angebot Rechnung Vertrag Projekt Planung Termin
Besprechung Abteilung Vertrieb Einkauf Lager Lieferung Bestellung Reise Kosten Abrechnung
Urlaub Antrag Freigabe Budget Quartal Umsatz Ziel Strategie Kampagne Schulung Einarbeitung
Wissen Management Dokumentation Handbuch Richtlinie Sicherheit Datenschutz Netzwerk Drucker
Laptop Zugang Passwort Server Software Lizenz Update Fehler Störung Ticket Support Team
Leitung Vorstand Betriebsrat Versammlung Feier Kantine Parkplatz Gebäude Büro Umzug
Messe Präsentation Bericht Analyse Kennzahl Prognose Risiko Prüfung Audit Zertifikat Norm
Maschine Produktion Wartung Ersatzteil Qualitätssicherung Reklamation Lieferant Spedition
Zoll Export Import Steuer Buchhaltung Gehalt Bonus Vertragsverlängerung Bewerbung Stelle""".split()
ENGLISH = """customer employee process quality offer invoice contract project planning meeting
department sales purchasing warehouse delivery order travel costs expense holiday request
approval budget quarter revenue goal strategy campaign training onboarding knowledge
documentation handbook policy security privacy network printer laptop access password
server software license update error outage ticket support team lead board event canteen
parking building office move fair presentation report analysis forecast risk audit
certificate machine production maintenance supplier shipping customs tax payroll bonus""".split()
GLUE_DE = "der die das und mit für von im auf ist wird wurde bitte heute morgen neue alle".split()
GLUE_EN = "the and with for from in on is will was please today tomorrow new all our".split()
INFLECT = {"Kunde": "Kunden", "Mitarbeiter": "Mitarbeitern", "Prozess": "Prozesse",
           "Rechnung": "Rechnungen", "Vertrag": "Verträge", "Termin": "Termine",
           "Lieferung": "Lieferungen", "Bestellung": "Bestellungen", "Antrag": "Anträge"}
TAGS = """it hr finanzen vertrieb einkauf produktion qualitaet sicherheit onboarding reisen
projekte marketing kunden lager logistik support""".split()
TYPES = [("post", 45), ("question", 15), ("comment", 30), ("page", 10)]
GROUPS = 25
PRIVATE_GROUPS = 5


SYLLABLES = ("ka lo mi ter san vo ri del fa nu bre go sel tam ko ra ven li dor pa ze ul "
             "ma ne tro bi gel fon ha rest wi").split()
VOCABULARY = 30_000


def _compounds(rng: random.Random, count: int) -> list[str]:
    heads = [w for w in GERMAN if len(w) > 4]
    found: dict[str, None] = {}
    while len(found) < count:
        found[rng.choice(heads) + rng.choice(heads).lower()] = None
    return list(found)


def _pseudo_words(rng: random.Random, count: int) -> list[str]:
    """Rare words: project names, product names, jargon."""
    found: dict[str, None] = {}
    while len(found) < count:
        word = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4)))
        found[word.capitalize()] = None
    return list(found)


class Corpus:
    """Deterministic synthetic documents with a realistic vocabulary.

    Content words follow a Zipf-Mandelbrot law, p(rank) ~ 1 / (rank + 100),
    over about 30,000 words per language (common nouns first, then
    compounds, then rare names), so the most common content word is in
    about one document in twelve and most words are rare — as in a real
    company's texts. Function words are mixed in separately.
    """

    def __init__(self, seed: int = 7):
        self.rng = random.Random(seed)
        rare = _pseudo_words(self.rng, VOCABULARY - 5000)
        compounds = _compounds(self.rng, 4000)
        self.vocab_de = (GERMAN + [INFLECT[w] for w in GERMAN if w in INFLECT] + compounds
                         + rare)[:VOCABULARY]
        self.vocab_en = (ENGLISH + [w + "s" for w in ENGLISH] + compounds[:500] + rare
                         )[:VOCABULARY]
        self.weights_de = [1 / (i + 100) for i in range(len(self.vocab_de))]
        self.weights_en = [1 / (i + 100) for i in range(len(self.vocab_en))]
        self.start = datetime(2021, 1, 1, tzinfo=UTC)

    def queries(self, count: int, seed: int = 11) -> list[dict]:
        """``count`` distinct-ish queries: a fixed mix of broad (top 50 words), medium
        (50-2,000) and specific words, pairs, phrases, inflected forms, filters and
        date sort — so a result cache would not help."""
        rng = random.Random(seed)
        de, en = self.vocab_de, self.vocab_en

        def word(low: int, high: int, vocab=de) -> str:
            return vocab[rng.randrange(low, min(high, len(vocab)))]

        makers = [
            ("broad", lambda: {"q": word(0, 50)}),
            ("medium", lambda: {"q": word(50, 2000)}),
            ("medium", lambda: {"q": word(50, 2000)}),
            ("specific", lambda: {"q": word(2000, VOCABULARY)}),
            ("english", lambda: {"q": word(0, 300, en)}),
            ("two words", lambda: {"q": f"{word(0, 100)} {word(50, 2000)}"}),
            ("two words", lambda: {"q": f"{word(50, 1000)} {word(50, 1000)}"}),
            ("phrase", lambda: {"q": f'"{word(0, 200)} {word(0, 200)}"'}),
            ("inflected", lambda: {"q": rng.choice([*INFLECT.values(), "Qualitaet", "Wissen"])}),
            ("filtered", lambda: {"q": word(0, 500), "types": rng.choice(["page", "question"])}),
            ("filtered", lambda: {"q": word(0, 500), "tag": rng.choice(TAGS)}),
            ("date sort", lambda: {"q": word(0, 500), "sort": "date"}),
            ("exclusion", lambda: {"q": f"{word(0, 100)} -{word(0, 100)}"}),
        ]
        out = []
        for i in range(count):
            label, make = makers[i % len(makers)]
            out.append({**make(), "class": label})
        return out

    def sentence(self, german: bool, words: int) -> str:
        rng = self.rng
        vocab, weights, glue = ((self.vocab_de, self.weights_de, GLUE_DE) if german
                                else (self.vocab_en, self.weights_en, GLUE_EN))
        content = rng.choices(vocab, weights, k=words)
        out = []
        for word in content:
            out.append(word)
            if rng.random() < 0.5:
                out.append(rng.choice(glue))
        return " ".join(out).capitalize() + "."

    def documents(self, count: int, group_ids: list[int]) -> Iterator:
        from search import SearchDocument

        rng = self.rng
        kinds = [t for t, n in TYPES for _ in range(n)]
        for i in range(count):
            doc_type = rng.choice(kinds)
            german = rng.random() < 0.65
            title = self.sentence(german, rng.randint(2, 6))[:-1]
            length = 120 if doc_type == "page" else rng.randint(8, 40)
            body = " ".join(self.sentence(german, rng.randint(6, 14))
                            for _ in range(max(1, length // 10)))
            roll = rng.random()
            group = None if roll < 0.7 else rng.choice(group_ids)
            yield SearchDocument(
                type=doc_type, id=f"{doc_type[0]}{i}", title=title, body=body,
                url=f"/bench/{i}", created_at=self.start + timedelta(minutes=i * 7),
                author=f"user{rng.randint(0, 199)}", group_id=group,
                tags=rng.sample(TAGS, rng.randint(0, 3)),
                kind="question" if doc_type == "question" else None,
                extra={"answered": rng.random() < 0.5} if doc_type == "question" else {},
            )


PREFIXES = ["Ku", "Rech", "Proj", "Qual", "onbo", "Datens", "Budg", "inv", "Ver", "Schu"]


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def _database(backend: str, instance: Path, pg_url: str) -> str | None:
    if backend == "whoosh":
        return f"sqlite:///{instance / 'bench.db'}"
    from sqlalchemy import create_engine, text

    from schwarm import database_uri

    url = database_uri(pg_url, instance)
    server, name = url.rsplit("/", 1)
    admin = create_engine(server + "/postgres", isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as error:  # no server: skip this backend
        print(f"postgres: skipped ({error.__class__.__name__}: {error})", file=sys.stderr)
        return None
    finally:
        admin.dispose()
    return url


def _people_and_groups(db):
    from schwarm.accounts.models import User
    from schwarm.db import utcnow
    from schwarm.groups.models import Group, Membership

    now = utcnow()
    users = [User(username=f"user{i}", email=f"user{i}@example.com",
                  display_name=f"User {i}", password_hash="x", created_at=now)
             for i in range(200)]
    db.session.add_all(users)
    groups = [Group(slug=f"group{i}", name=f"Gruppe {i}",
                    visibility="private" if i < PRIVATE_GROUPS else "public", created_at=now)
              for i in range(GROUPS)]
    db.session.add_all(groups)
    db.session.flush()
    viewer = users[0]
    for group in groups[::3]:  # a member of some groups, two of them private
        db.session.add(Membership(group_id=group.id, user_id=viewer.id, created_at=now))
    db.session.commit()
    return viewer, [g.id for g in groups]


def _index_mb(root: Path) -> float:
    """Size of the live Whoosh generation after the rebuild, in MB."""
    live = root / (root / "CURRENT").read_text().strip()
    return round(sum(f.stat().st_size for f in live.rglob("*") if f.is_file()) / 1e6, 1)


BUILT = "built.json"  # a kept instance's build figures, written when it is complete


def _instance(backend: str, size: int, workdir: str | None) -> tuple[Path, dict | None]:
    """Where ``backend`` at ``size`` documents lives, and its build figures if it
    was built there before. Whoosh instances in ``--workdir`` are kept and reused
    (a million documents take over an hour to index); PostgreSQL's database is
    made again each time, and so are temporary instances."""
    if not workdir or backend != "whoosh":
        if workdir:
            Path(workdir).mkdir(parents=True, exist_ok=True)
        return Path(tempfile.mkdtemp(prefix=f"schwarm-bench-{backend}-", dir=workdir)), None
    instance = Path(workdir) / f"{backend}-{size}-documents"
    marker = instance / BUILT
    if marker.exists():
        return instance, json.loads(marker.read_text())
    shutil.rmtree(instance, ignore_errors=True)  # an unfinished build
    instance.mkdir(parents=True)
    return instance, None


def run_one(backend: str, size: int, queries: int, pg_url: str,
            workdir: str | None = None, processes: int = 1) -> dict | None:
    """Index ``size`` documents into ``backend`` (or reuse a kept Whoosh instance
    of ``workdir``) and measure."""
    from schwarm import create_app
    from schwarm.extensions import db

    instance, built = _instance(backend, size, workdir)
    if built is not None:
        uri = f"sqlite:///{instance / 'bench.db'}"
    else:
        uri = _database(backend, instance, pg_url)
    if uri is None:
        return None
    app = create_app({"TESTING": True, "SECRET_KEY": "bench", "INSTANCE_PATH": str(instance),
                      "SQLALCHEMY_DATABASE_URI": uri, "SEARCH_BACKEND": backend,
                      "SEARCH_INDEX_DIR": str(instance / "index"),
                      "SEARCH_DRAIN_AFTER_REQUEST": False})
    with app.app_context():
        from search import services
        from search.indexing import get_backend

        index = get_backend()
        corpus = Corpus()
        if built is None:
            built = _build(db, index, corpus, size, processes, instance, backend)
            if workdir and backend == "whoosh":
                (instance / BUILT).write_text(json.dumps(built) + "\n")
        viewer = db.session.get(_user_model(), built["viewer_id"])
        started = time.perf_counter()
        if hasattr(index, "prepare_live_files"):  # as the indexer does when it starts
            index.prepare_live_files()
        prepare_s = time.perf_counter() - started

        plan = corpus.queries(queries)
        for spec in corpus.queries(20, seed=99):  # warm up: open files, load analyzers
            services.search(viewer, **{k: v for k, v in spec.items() if k != "class"})
        first, again, totals, by_class = [], [], [], {}
        for rounds in (first, again):  # first time each query runs, then all again
            for spec in plan:
                args = {k: v for k, v in spec.items() if k != "class"}
                started = time.perf_counter()
                page = services.search(viewer, **args)
                rounds.append((time.perf_counter() - started) * 1000)
                if rounds is first:
                    totals.append(page.total)
                    by_class.setdefault(spec["class"], []).append(rounds[-1])
        latencies = first
        suggest_ms = []
        for i in range(max(20, queries // 4)):
            started = time.perf_counter()
            services.suggest(viewer, PREFIXES[i % len(PREFIXES)])
            suggest_ms.append((time.perf_counter() - started) * 1000)
        db.session.remove()
        db.engine.dispose()
    index.close()
    if not (workdir and backend == "whoosh"):
        shutil.rmtree(instance, ignore_errors=True)
    return {
        "backend": backend, "documents": built["documents"],
        "rebuild_docs_per_s": built["rebuild_docs_per_s"],
        "update_docs_per_s": built["update_docs_per_s"],
        "index_mb": built["index_mb"], "built_at": built["built_at"],
        "prepare_files_s": round(prepare_s, 2),
        "query_p50_ms": round(statistics.median(latencies), 2),
        "query_p95_ms": round(_percentile(latencies, 0.95), 2),
        "query_max_ms": round(max(latencies), 2),
        "query_repeat_p95_ms": round(_percentile(again, 0.95), 2),
        "query_p95_ms_by_class": {name: round(_percentile(values, 0.95), 2)
                                  for name, values in sorted(by_class.items())},
        "queries": len(latencies), "mean_hits": round(statistics.mean(totals), 1),
        "suggest_p95_ms": round(_percentile(suggest_ms, 0.95), 2),
        "cpu_count": os.cpu_count(), "rebuild_processes": built["rebuild_processes"],
    }


def _user_model():
    from schwarm.accounts.models import User

    return User


def _build(db, index, corpus: Corpus, size: int, processes: int, instance: Path,
           backend: str) -> dict:
    """Fill a fresh instance: people, groups, a rebuild of ``size`` documents, then
    updates in batches of 20. Returns the build figures."""
    db.create_all()
    viewer, group_ids = _people_and_groups(db)
    docs = corpus.documents(size, group_ids)

    def batches():
        while batch := [d for _, d in zip(range(1000), docs, strict=False)]:
            yield batch

    started = time.perf_counter()
    indexed = sum(index.rebuild(batches(), processes=processes))
    rebuild_s = time.perf_counter() - started
    index_mb = _index_mb(instance / "index") if backend == "whoosh" else None

    updates = list(corpus.documents(min(400, max(20, size // 5)), group_ids))
    started = time.perf_counter()
    for i in range(0, len(updates), 20):
        index.apply(updates[i:i + 20], [], lambda connection=None: None)
    update_s = time.perf_counter() - started
    return {"viewer_id": viewer.id, "documents": indexed,
            "rebuild_docs_per_s": round(indexed / rebuild_s, 1),
            "update_docs_per_s": round(len(updates) / update_s, 1),
            "index_mb": index_mb, "rebuild_processes": processes,
            "built_at": datetime.now(UTC).isoformat(timespec="seconds")}


def growth(rows: list[dict], base: int = 100_000) -> dict[str, float]:
    """Per backend: query p95 at its largest size over p95 at ``base`` documents
    (the issue's "no worse than 3x slower at 1M" compares 1M with 100k)."""
    ratios = {}
    for backend in sorted({row["backend"] for row in rows}):
        mine = sorted((row for row in rows if row["backend"] == backend),
                      key=lambda row: row["documents"])
        at_base = [row for row in mine if abs(row["documents"] - base) <= base // 100]
        if at_base and mine[-1]["documents"] > at_base[0]["documents"]:
            ratios[f"{backend} {mine[-1]['documents']}/{at_base[0]['documents']}"] = round(
                mine[-1]["query_p95_ms"] / max(at_base[0]["query_p95_ms"], 1e-3), 2)
    return ratios


def table(rows: list[dict]) -> str:
    """The results as a plain-text table."""
    header = ("backend", "documents", "rebuild docs/s", "update docs/s", "index MB",
              "query p50 ms",
              "query p95 ms", "repeat p95 ms", "suggest p95 ms", "mean hits")
    keys = ("backend", "documents", "rebuild_docs_per_s", "update_docs_per_s", "index_mb",
            "query_p50_ms",
            "query_p95_ms", "query_repeat_p95_ms", "suggest_p95_ms", "mean_hits")
    lines = [" | ".join(f"{h:>14}" for h in header)]
    lines.append("-" * len(lines[0]))
    for row in rows:
        lines.append(" | ".join(f"{row[k]!s:>14}" for k in keys))
    for row in rows:
        classes = ", ".join(f"{k} {v}" for k, v in row["query_p95_ms_by_class"].items())
        lines.append(f"{row['backend']} {row['documents']}: p95 ms by query kind: {classes}")
    for name, ratio in growth(rows).items():
        lines.append(f"query p95 growth {name} documents: {ratio}x (target: at most 3x)")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> list[dict]:
    """Entry point (also of ``make bench``, whose other options it ignores)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", "--scales", dest="sizes", default="10000,100000",
                        help="comma-separated document counts")
    parser.add_argument("--million", action="store_true", help="also 1,000,000 documents")
    parser.add_argument("--backends", default="whoosh,postgres")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--pg-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_PG))
    parser.add_argument("--workdir", default=None,
                        help="keep Whoosh instances here and reuse them (default: temporary)")
    parser.add_argument("--out", default=str(RESULTS), help="directory for the JSON")
    parser.add_argument("--json", default=None, help="exact output file (overrides --out)")
    parser.add_argument("--processes", type=int, default=os.cpu_count() or 1,
                        help="worker processes for the Whoosh rebuild (default: CPU count)")
    args, _others = parser.parse_known_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s]
    if args.million and 1_000_000 not in sizes:
        sizes.append(1_000_000)
    rows = []
    for size in sizes:
        for backend in (b.strip() for b in args.backends.split(",") if b.strip()):
            print(f"{backend}: {size} documents ...", file=sys.stderr, flush=True)
            row = run_one(backend, size, args.queries, args.pg_url, args.workdir,
                          max(1, args.processes))
            if row is not None:
                rows.append(row)
    print(table(rows))
    target = Path(args.json) if args.json else Path(args.out) / (
        "search-" + datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ") + ".json")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps({"benchmark": "search", "results": rows,
                                         "query_p95_growth": growth(rows)}, indent=2) + "\n")
    print(f"written to {target}", file=sys.stderr)
    return rows


if __name__ == "__main__":
    main()
