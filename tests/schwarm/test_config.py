"""Configuration: defaults, then instance/config.py, then the environment, then
the test mapping — each later source wins."""

from __future__ import annotations

from schwarm import create_app


def _app(instance, monkeypatch, environ=None, **test_config):
    monkeypatch.setenv("SCHWARM_INSTANCE", str(instance))
    for key in ("SIGNUP_DOMAINS", "SEARCH_BACKEND", "DATABASE_URL", "SECRET_KEY"):
        monkeypatch.delenv(key, raising=False)
    for key, value in (environ or {}).items():
        monkeypatch.setenv(key, value)
    return create_app(test_config or None)


def test_instance_config_file_is_read_from_the_instance_folder(tmp_path, monkeypatch):
    (tmp_path / "config.py").write_text(
        "SIGNUP_DOMAINS = 'firma.de'\nRATELIMIT_ENABLED = False\nSECRET_KEY = 'from-file'\n")
    app = _app(tmp_path, monkeypatch)
    assert app.config["SIGNUP_DOMAINS"] == "firma.de"
    assert app.config["RATELIMIT_ENABLED"] is False
    assert app.config["SECRET_KEY"] == "from-file"


def test_environment_wins_over_the_file_and_the_test_mapping_over_both(tmp_path, monkeypatch):
    (tmp_path / "config.py").write_text("SIGNUP_DOMAINS = 'firma.de'\n")
    app = _app(tmp_path, monkeypatch, {"SIGNUP_DOMAINS": "example.org"}, SECRET_KEY="t")
    assert app.config["SIGNUP_DOMAINS"] == "example.org"
    app = _app(tmp_path, monkeypatch, {"SIGNUP_DOMAINS": "example.org"}, SECRET_KEY="t",
               SIGNUP_DOMAINS="test.invalid")
    assert app.config["SIGNUP_DOMAINS"] == "test.invalid"


def test_without_a_config_file_the_defaults_hold(tmp_path, monkeypatch):
    app = _app(tmp_path, monkeypatch, SECRET_KEY="t")
    assert app.config["RATELIMIT_ENABLED"] is True
    assert app.config["SEARCH_BACKEND"] == "whoosh"


def test_the_page_cache_seconds_come_from_the_environment_as_a_number(tmp_path, monkeypatch):
    app = _app(tmp_path, monkeypatch, {"PAGE_CACHE_SECONDS": "0"}, SECRET_KEY="t")
    assert app.config["PAGE_CACHE_SECONDS"] == 0.0
    assert not app.extensions["page_cache"].enabled
    monkeypatch.delenv("PAGE_CACHE_SECONDS")
    assert _app(tmp_path, monkeypatch, SECRET_KEY="t").extensions["page_cache"].seconds == 30
