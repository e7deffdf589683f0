"""The load test on a short run (gunicorn, 2 workers, a few seconds): every
acknowledged write is in the database and findable, no 5xx; and the checker
really reports what is missing."""

from __future__ import annotations

import json

from bench import load
from bench.instance import bench_app


def test_short_load_run_loses_nothing(tmp_path):
    report = load.run(tmp_path / "instance", clients=3, duration=3, workers=2,
                      out=tmp_path / "results")
    assert report["ok"], load.summary(report)
    assert report["server_errors"] == 0 and report["lost"] == [] and report["unfindable"] == []
    assert report["posts"] > 0 and report["acknowledged_writes"] >= report["posts"]
    assert report["outbox_left"] == 0
    assert json.loads((tmp_path / "results").joinpath(
        report["json"].rsplit("/", 1)[-1]).read_text())["ok"] is True
    assert "nothing lost" in load.summary(report)
    # The indexer was up before the clients started, and the CPU is accounted per role.
    assert set(report["cpu_s"]) >= {"worker", "indexer", "client"}
    assert report["worker_cpu_ms_per_request"] > 0

    # The checker is not blind: a write that was never made is reported lost.
    app = bench_app(tmp_path / "instance")
    fake = load.Acks(posts=[(10**9, "zqnever")], comments=[(10**9, "zqnone")],
                     revisions=[("load/shared-one", 10**6, "zqnothing")])
    lost = load.check_database(app, fake)
    assert lost == ["post 1000000000", "comment 1000000000",
                    "page load/shared-one revision 1000000"]


def test_without_an_indexer_the_workers_drain_and_nothing_is_lost(tmp_path, monkeypatch):
    """SCHWARM_INDEXER=0 leaves the indexer out (schwarm/serving.py): the run
    does not wait for its heartbeat, and the workers' own drains index everything."""
    monkeypatch.setenv("SCHWARM_INDEXER", "0")
    report = load.run(tmp_path / "instance", clients=2, duration=2, workers=2, out=None)
    assert report["ok"], load.summary(report)
    assert report["acknowledged_writes"] > 0 and "indexer" not in report["cpu_s"]
    assert report["indexer_cpu_ms_per_write"] is None


def test_markers_are_unique_words():
    words = {load.marker(c, n) for c in range(30) for n in range(1, 300)}
    assert len(words) == 30 * 299
    assert all(w.isalpha() and w.islower() for w in words)


def test_markers_keep_distinct_stems_in_both_languages():
    """A marker that shared its stem with another could be crowded out of the
    first page of results and reported as not findable."""
    from search.analysis import analyze, english_analyzer, german_analyzer

    words = [load.marker(c, n) for c in range(30) for n in range(1, 300)]
    for analyzer in (german_analyzer(), english_analyzer()):
        stems = {tuple(analyze(analyzer, w)) for w in words}
        assert len(stems) == len(words)


def test_cpu_is_summed_per_role_and_skips_processes_that_went_away():
    roles = {1: "worker", 2: "worker", 3: "indexer", 4: "worker"}
    before = {1: 1.0, 2: 2.0, 3: 0.5, 4: None}
    after = {1: 1.5, 2: 3.25, 3: 2.0, 4: 9.0}
    assert load.cpu_by_role(before, after, roles) == {"worker": 1.75, "indexer": 1.5}


def test_cpu_seconds_of_this_process_and_of_none():
    import os

    assert load.cpu_seconds(os.getpid()) >= 0
    assert load.cpu_seconds(2**22 + 12345) is None
