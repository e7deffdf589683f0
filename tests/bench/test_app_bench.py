"""The benchmark harness on a tiny instance: every endpoint answers, the report,
the JSON and the plot are written. Correctness only: no timing assertions."""

from __future__ import annotations

import json

from bench import app_bench, plot


def test_harness_smoke_run(tmp_path, capsys):
    out = tmp_path / "results"
    path = app_bench.run([150], seed=2, iterations=2, warmup=0, workdir=tmp_path / "work",
                         out=out, quiet=True)
    report = json.loads(path.read_text())
    [scale] = report["scales"]
    assert scale["posts"] == 150 and scale["instance"]["indexed"] > 150
    names = set(scale["endpoints"])
    assert {"home", "home_deep", "home_uncached", "home_deep_uncached", "group_stream",
            "tag_page", "post_50_comments", "wiki_view", "wiki_save", "wiki_history",
            "wiki_diff", "search_one_word", "search_two_words", "search_phrase",
            "search_filtered", "notifications", "post_create"} <= names
    for name, row in scale["endpoints"].items():
        assert row["status"] < 400, name
        assert row["n"] == 2 and row["bytes"] > 0
        assert row["p50"] <= row["p95"] <= row["p99"]
        assert row["first"] > 0
        assert row["floor"]["n"] == 2 and row["ratio_p95"] > 0
    assert str(150) in report["targets_missed"]
    svg = path.with_suffix(".svg").read_text()
    assert svg.startswith("<svg") and "home_deep" in svg
    printed = capsys.readouterr().out
    assert "post_50_comments" in printed and "x floor" in printed and "first" in printed

    # A second run with the same work directory reuses the generated instance.
    again = app_bench.run([150], seed=2, iterations=2, warmup=0, workdir=tmp_path / "work",
                          out=out, quiet=True)
    assert json.loads(again.read_text())["scales"][0]["instance"] == scale["instance"]


def test_percentiles_and_plot_of_several_sizes():
    values = app_bench.percentiles([i / 1000 for i in range(1, 101)])
    assert values["p50"] == 50.5 and values["p99"] == 99.01 and values["n"] == 100
    scales = [{"posts": n, "endpoints": {"home": {"p95": n / 1000}, "wiki_view": {"p95": 2.0}}}
              for n in (10_000, 100_000, 1_000_000)]
    svg = plot.svg(scales)
    assert svg.count("<polyline") == 2 and "1,000,000" in svg


def test_main_parses_scales(monkeypatch):
    seen = {}
    monkeypatch.setattr(app_bench, "run", lambda scales, **kw: seen.update(scales=scales, **kw))
    app_bench.main(["--scales", "100_000,10000", "--million", "--iterations", "7"])
    assert seen["scales"] == [10_000, 100_000, 1_000_000] and seen["iterations"] == 7


def test_an_instance_made_for_another_plan_is_generated_again(tmp_path):
    from bench.instance import ensure_instance

    folder = tmp_path / "posts-120-seed-3"
    first = ensure_instance(folder, 120, 3, quiet=True)
    assert first["plan"]["users"] == 40 and first["rows"]["user"] >= 40
    marker = folder / "demo.json"
    stale = {**first, "plan": {**first["plan"], "users": 7}}  # an older generator's plan
    marker.write_text(json.dumps(stale))
    again = ensure_instance(folder, 120, 3, quiet=True)
    assert again["plan"] == first["plan"] and again["rows"] == first["rows"]
    assert json.loads(marker.read_text())["plan"]["users"] == 40


def test_without_search_times_every_page_but_search(tmp_path, capsys):
    """An instance that is not indexed (a million posts generate in minutes, their
    index takes longer): an empty index, no search rows, targets of what was timed."""
    out = tmp_path / "results"
    path = app_bench.run([120], seed=4, iterations=2, warmup=0, workdir=tmp_path / "work",
                         out=out, quiet=True, search=False)
    report = json.loads(path.read_text())
    [scale] = report["scales"]
    assert report["search"] is False and scale["search"] is False
    assert scale["instance"]["indexed"] == 0 and scale["instance"]["search"] is False
    names = set(scale["endpoints"])
    assert {"home", "home_deep", "post_50_comments", "wiki_view", "wiki_save"} <= names
    assert not any(name.startswith("search_") for name in names)
    assert all(row["status"] < 400 for row in scale["endpoints"].values())
    assert not any("search" in missed for missed in report["targets_missed"]["120"])
    assert (tmp_path / "work" / "posts-120-seed-4-without-search" / "index").is_dir()
    assert "search not measured" in capsys.readouterr().out


def test_main_passes_without_search(monkeypatch):
    seen = {}
    monkeypatch.setattr(app_bench, "run", lambda scales, **kw: seen.update(scales=scales, **kw))
    app_bench.main(["--million", "--without-search"])
    assert seen["search"] is False and 1_000_000 in seen["scales"]
    app_bench.main([])
    assert seen["search"] is True


def test_the_first_call_is_reported_apart_from_the_samples(monkeypatch):
    """"first" is the process's first request of an endpoint, warm-up or not."""
    clock = {"now": 0.0}
    durations = iter([7.0, 1.0, 2.0, 3.0, 4.0])  # the first call is the slow one

    def call():
        clock["now"] += next(durations)
        return "response"

    monkeypatch.setattr(app_bench.time, "perf_counter", lambda: clock["now"])
    samples, response, first = app_bench._time(call, iterations=3, warmup=2)
    assert (samples, response, first) == ([2.0, 3.0, 4.0], "response", 7.0)

    durations = iter([5.0, 1.0])
    samples, _, first = app_bench._time(call, iterations=2, warmup=0)
    assert (samples, first) == ([5.0, 1.0], 5.0)


def test_uncached_rows_render_every_request(app, client, auth, users):
    """"home" is a reload the page cache answers; "home_uncached" renders each time."""
    users.make("anna")
    auth.login("anna")
    cache = app.extensions["page_cache"]
    for _ in range(3):  # the first page makes the session's CSRF token: not kept
        client.get("/")
    assert cache.hits == 1
    misses = cache.misses
    call = app_bench._without_page_cache(app, lambda: client.get("/"))
    assert call().status_code == 200 and call().status_code == 200
    assert (cache.hits, cache.misses) == (1, misses + 2)


def test_the_deep_page_is_held_against_the_rendered_first_page():
    def row(p95):
        return {"p95": p95, "ratio_p95": 1.0}

    rows = {"home": row(1.0), "home_deep": row(1.2), "home_uncached": row(20.0),
            "home_deep_uncached": row(25.0)}
    assert app_bench.check_targets({"endpoints": rows}) == []
    rows["home_deep_uncached"] = row(31.0)
    assert app_bench.check_targets({"endpoints": rows}) == [
        "deep cursor page p95 is 1.55x the first page > 1.5x"]
