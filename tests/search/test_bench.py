"""The search benchmark runs end to end at a tiny size (no timing asserted)."""

from __future__ import annotations

import json

from bench import search_bench
from tests.conftest import POSTGRES_URL


def test_benchmark_smoke(tmp_path):
    backends = "whoosh,postgres" if POSTGRES_URL.startswith("postgres") else "whoosh"
    pg_url = POSTGRES_URL.rsplit("/", 1)[0] + "/schwarm_bench_smoke" if POSTGRES_URL else ""
    target = tmp_path / "search.json"
    rows = search_bench.main(["--sizes", "150", "--queries", "12", "--backends", backends,
                              "--pg-url", pg_url, "--json", str(target)])
    assert [row["backend"] for row in rows] == backends.split(",")
    assert all(row["documents"] == 150 and row["query_p95_ms"] > 0 for row in rows)
    assert json.loads(target.read_text())["results"] == rows
    if len(rows) == 2:  # same analysis, same permissions: both engines find the same
        assert rows[0]["mean_hits"] == rows[1]["mean_hits"]


def test_a_kept_whoosh_instance_is_measured_again_without_indexing(tmp_path):
    args = ["--sizes", "120", "--queries", "6", "--backends", "whoosh",
            "--workdir", str(tmp_path / "work"), "--out", str(tmp_path / "out")]
    first = search_bench.main(args)
    kept = tmp_path / "work" / "whoosh-120-documents"
    generation = (kept / "index" / "CURRENT").read_text()
    again = search_bench.main(args)
    assert (kept / "index" / "CURRENT").read_text() == generation  # not indexed again
    built = ("documents", "rebuild_docs_per_s", "update_docs_per_s", "index_mb", "built_at")
    assert [again[0][k] for k in built] == [first[0][k] for k in built]
    assert again[0]["mean_hits"] == first[0]["mean_hits"] > 0


def test_an_unfinished_kept_instance_is_built_again(tmp_path):
    kept = tmp_path / "whoosh-100-documents"
    (kept / "index").mkdir(parents=True)
    (kept / "index" / "leftover").write_text("from a killed run")
    rows = search_bench.main(["--sizes", "100", "--queries", "4", "--backends", "whoosh",
                              "--workdir", str(tmp_path), "--out", str(tmp_path / "out")])
    assert rows[0]["documents"] == 100
    assert not (kept / "index" / "leftover").exists()
    assert (kept / search_bench.BUILT).exists()


def test_growth_compares_the_largest_size_with_100k_per_backend():
    rows = [{"backend": "whoosh", "documents": n, "query_p95_ms": p95}
            for n, p95 in ((10_000, 5.0), (100_000, 20.0), (1_000_000, 50.0))]
    rows.append({"backend": "postgres", "documents": 100_000, "query_p95_ms": 9.0})
    assert search_bench.growth(rows) == {"whoosh 1000000/100000": 2.5}
