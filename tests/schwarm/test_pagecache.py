"""The whole-page cache of the home stream: a reload with nothing written since is
answered from memory; any commit by the application, in any of its processes,
makes the next request render again (with the snapshot generation on PostgreSQL:
any commit by anyone); nobody ever gets a page rendered for another session."""

from __future__ import annotations

from datetime import timedelta

import pytest

import schwarm.db
from schwarm import create_app
from schwarm.accounts import admin as accounts_admin
from schwarm.extensions import db
from schwarm.pagecache import (
    ROTATE_BYTES,
    CachedPage,
    FileGeneration,
    PageStore,
    PostgresGeneration,
)
from stream import posts
from tests.conftest import POSTGRES_URL


def _statements_of(count_queries, call):
    with count_queries() as seen:
        response = call()
    return response, seen


def _cache(app):
    return app.extensions["page_cache"]


@pytest.fixture
def anna(users):
    return users.make("anna", display_name="Anna Alpha")


@pytest.fixture
def signed_in(client, auth, anna):
    auth.login("anna")
    client.get("/")  # the session's CSRF token is made by the first page
    return client


# --- the store and the generation, alone ---------------------------------------------

def test_the_store_keeps_at_most_its_bytes_dropping_the_least_recently_used():
    store = PageStore(max_bytes=10)
    store.put("a", CachedPage(b"aaaa", "text/html", expires=100))
    store.put("b", CachedPage(b"bbbb", "text/html", expires=100))
    assert store.get("a", now=0) is not None  # "b" is now the least recently used
    store.put("c", CachedPage(b"cccc", "text/html", expires=100))
    assert store.get("b", now=0) is None
    assert store.get("a", now=0).body == b"aaaa" and store.get("c", now=0).body == b"cccc"
    assert store.used == 8
    store.put("huge", CachedPage(b"x" * 11, "text/html", expires=100))
    assert store.get("huge", now=0) is None and len(store) == 2


def test_an_expired_page_is_gone():
    store = PageStore(max_bytes=100)
    store.put("a", CachedPage(b"aaaa", "text/html", expires=10))
    assert store.get("a", now=9.9) is not None
    assert store.get("a", now=10) is None
    assert store.used == 0 and len(store) == 0


def test_a_file_generation_changes_with_every_bump(tmp_path, monkeypatch):
    """It is started afresh every ROTATE_BYTES commits; the file system may reuse
    the inode, so a value may come back only after that many commits."""
    rotate = 4
    monkeypatch.setattr("schwarm.pagecache.ROTATE_BYTES", rotate)
    generation = FileGeneration(tmp_path / "generation")
    seen = [generation.current()]
    for _ in range(20):
        generation.bump()
        seen.append(generation.current())
    for start in range(len(seen) - rotate + 1):
        window = seen[start:start + rotate]
        assert len(set(window)) == len(window)
    assert (tmp_path / "generation").stat().st_size < rotate
    assert ROTATE_BYTES >= 1024 * 1024  # the real file: a million commits between


def test_without_its_file_a_generation_matches_nothing_and_a_bump_does_not_fail(
        tmp_path, caplog):
    generation = FileGeneration(tmp_path / "missing-folder" / "generation")
    generation.bump()  # after a commit: logged, not raised to the writer
    assert "could not bump" in caplog.text
    assert generation.current() != generation.current()


# --- through the app -----------------------------------------------------------------

def test_a_reload_with_nothing_written_runs_no_query_and_gives_the_same_page(
        app, signed_in, count_queries, anna):
    posts.create_post(anna, "Quarterly numbers are in #finance")
    first = signed_in.get("/")
    assert "Quarterly numbers" in first.get_data(as_text=True)
    again, seen = _statements_of(count_queries, lambda: signed_in.get("/"))
    assert again.status_code == 200
    assert again.get_data() == first.get_data()
    assert seen == []
    assert _cache(app).hits >= 1


def test_a_cached_page_keeps_the_private_headers(signed_in):
    signed_in.get("/")
    response = signed_in.get("/")
    assert _cache(signed_in.application).hits >= 1
    assert response.headers["Cache-Control"] == "private, no-store"
    assert "Cookie" in response.headers["Vary"]
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.mimetype == "text/html"


def test_a_post_by_someone_else_shows_on_the_next_reload(signed_in, users, anna):
    from stream import follows

    ben = users.make("ben")
    follows.follow(anna, "user", "ben")
    signed_in.get("/")
    assert signed_in.get("/").get_data(as_text=True).count("Ben's big news") == 0
    posts.create_post(ben, "Ben's big news")
    assert "Ben's big news" in signed_in.get("/").get_data(as_text=True)


def test_a_write_through_the_api_shows_at_once(signed_in, api, anna):
    signed_in.get("/")
    assert api.as_user(anna).post("/posts", json={"body": "Written by script"}).status_code == 201
    assert "Written by script" in signed_in.get("/").get_data(as_text=True)


def test_a_commit_by_another_process_of_the_instance_counts(app, signed_in, users):
    signed_in.get("/")
    signed_in.get("/")
    hits = _cache(app).hits
    # A second app on the same instance and database, as another worker would be.
    other = create_app({key: app.config[key] for key in (
        "TESTING", "SECRET_KEY", "INSTANCE_PATH", "SEARCH_INDEX_DIR", "PASSWORD_HASH_METHOD",
        "SQLALCHEMY_DATABASE_URI", "SEARCH_DRAIN_IN_BACKGROUND")})
    with other.app_context():
        users.make("zoe", display_name="Zoe Zett")
        db.session.remove()
        db.engine.dispose()
    with app.app_context():
        signed_in.get("/")
    assert _cache(app).hits == hits


def test_a_rolled_back_write_keeps_the_cache(app, signed_in, anna):
    signed_in.get("/")
    anna.display_name = "Never saved"
    db.session.flush()
    db.session.rollback()
    hits = _cache(app).hits
    signed_in.get("/")
    assert _cache(app).hits == hits + 1


def test_each_session_gets_its_own_page(app, signed_in, users):
    users.make("ben", display_name="Ben Beta")
    assert "Anna Alpha" in signed_in.get("/").get_data(as_text=True)
    other = app.test_client()
    other.post("/login", data={"login": "ben", "password": "correct horse battery"})
    page = other.get("/").get_data(as_text=True)
    assert "Ben Beta" in page and "Anna Alpha" not in page


def test_signing_out_is_not_undone_by_the_cache(signed_in, auth):
    signed_in.get("/")
    auth.logout()
    assert signed_in.get("/").status_code == 302


def test_a_deactivated_user_gets_no_cached_page(signed_in, users, anna):
    root = users.make("root", admin=True)
    signed_in.get("/")
    accounts_admin.deactivate(root, anna)
    assert signed_in.get("/").status_code == 302


def test_a_message_waiting_in_the_session_is_shown_not_a_cached_page(signed_in):
    signed_in.get("/")
    with signed_in.session_transaction() as session:
        session["_flashes"] = [("success", "Saved your settings.")]
    assert "Saved your settings." in signed_in.get("/").get_data(as_text=True)
    assert "Saved your settings." not in signed_in.get("/").get_data(as_text=True)


def test_the_language_of_the_browser_is_part_of_the_key(signed_in):
    english = signed_in.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    german = signed_in.get("/", headers={"Accept-Language": "de"}).get_data(as_text=True)
    assert "You follow" in english and "Sie folgen" in german


def test_another_host_or_query_is_another_page(app, signed_in):
    signed_in.get("/")
    signed_in.get("/")
    hits = _cache(app).hits
    signed_in.get("/?before=1000")
    signed_in.get("/", base_url="https://localhost")
    assert _cache(app).hits == hits


def test_another_browser_with_the_same_cookie_is_rendered_again(app, signed_in):
    signed_in.get("/")
    hits = _cache(app).hits
    response = signed_in.get("/", headers={"User-Agent": "Something else"})
    assert response.status_code == 200 and _cache(app).hits == hits


def test_a_page_expires_after_its_seconds(app, signed_in, monkeypatch):
    now = schwarm.db.utcnow()
    monkeypatch.setattr(schwarm.db, "clock", lambda: now)
    signed_in.get("/")
    signed_in.get("/")
    hits = _cache(app).hits
    seconds = app.config["PAGE_CACHE_SECONDS"]
    monkeypatch.setattr(schwarm.db, "clock", lambda: now + timedelta(seconds=seconds - 1))
    signed_in.get("/")
    assert _cache(app).hits == hits + 1
    monkeypatch.setattr(schwarm.db, "clock", lambda: now + timedelta(seconds=seconds + 1))
    signed_in.get("/")
    assert _cache(app).hits == hits + 1


def test_only_marked_pages_are_cached(app, signed_in, count_queries):
    signed_in.get("/stream/all")
    _, seen = _statements_of(count_queries, lambda: signed_in.get("/stream/all"))
    assert seen and _cache(app).hits == 0


@pytest.mark.parametrize("app_config", [{"PAGE_CACHE_SECONDS": 0}])
def test_off_means_every_request_renders(app, signed_in, count_queries):
    signed_in.get("/")
    _, seen = _statements_of(count_queries, lambda: signed_in.get("/"))
    assert len(seen) > 3 and _cache(app).hits == 0


def test_the_generation_is_a_file_unless_asked_for_the_snapshot(app, tmp_path):
    assert isinstance(_cache(app).generation, FileGeneration)
    config = {"SECRET_KEY": "t", "INSTANCE_PATH": str(tmp_path / "other"),
              "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'other.db'}"}
    with pytest.raises(ValueError, match="needs PostgreSQL"):
        create_app({**config, "PAGE_CACHE_GENERATION": "snapshot"})
    with pytest.raises(ValueError, match='"file" or "snapshot"'):
        create_app({**config, "PAGE_CACHE_GENERATION": "redis"})


snapshot_only = pytest.mark.skipif(not POSTGRES_URL, reason="PostgreSQL's snapshot")


@snapshot_only
@pytest.mark.parametrize("app_config", [{"PAGE_CACHE_GENERATION": "snapshot"}])
def test_with_the_snapshot_a_commit_by_anyone_renders_the_next_page(app, signed_in, users):
    """The snapshot moves with every write transaction on the server, so even a
    write that bypasses this app is seen at once (here: another engine)."""
    from sqlalchemy import create_engine, text

    generation = _cache(app).generation
    assert isinstance(generation, PostgresGeneration)
    before = generation.current()
    db.session.rollback()
    other = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    try:
        with other.begin() as connection:
            connection.execute(text("UPDATE \"user\" SET display_name = 'Anna Renamed' "
                                    "WHERE username = 'anna'"))
    finally:
        other.dispose()
    assert generation.current() != before
    assert "Anna Renamed" in signed_in.get("/").get_data(as_text=True)


@snapshot_only
@pytest.mark.parametrize("app_config", [{"PAGE_CACHE_GENERATION": "snapshot"}])
def test_with_the_snapshot_an_unchanged_snapshot_serves_the_cached_page(
        app, signed_in, count_queries):
    """Other databases of the server (the suite's other workers) may write at any
    time, so each reload is checked against the snapshot around it."""
    generation = _cache(app).generation

    def now():
        value = generation.current()
        db.session.rollback()
        return value

    # Snapshots never come back, so one that is the same before and after a
    # request held all through it: the page was kept (or found) under it.
    previous = (now(), signed_in.get("/"), now())
    for _ in range(20):
        before = now()
        hits = _cache(app).hits
        _, seen = _statements_of(count_queries, lambda: signed_in.get("/"))
        after = now()
        if previous[0] == previous[2] == before == after:
            assert _cache(app).hits == hits + 1
            assert seen == ["SELECT pg_current_snapshot()::text"]
        previous = (before, None, after)
