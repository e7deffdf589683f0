"""Configuration: defaults, then ``instance/config.py``, then the environment,
then the test mapping (applied last by :func:`schwarm.create_app`)."""

from __future__ import annotations

import os
from datetime import timedelta

# The environment variables of API.md ("Environment"); each wins over instance/config.py.
ENVIRONMENT_KEYS = (
    "SECRET_KEY",
    "DATABASE_URL",
    "SEARCH_BACKEND",
    "SIGNUP_DOMAINS",
    "RATELIMIT_STORAGE_URI",
    "MAIL_SERVER",
    "MAIL_PORT",
    "MAIL_USERNAME",
    "MAIL_PASSWORD",
    "MAIL_USE_TLS",
    "MAIL_DEFAULT_SENDER",
    "MAIL_LIST_DOMAIN",
    "MAIL_GATEWAY_MAX_BYTES",
    "PUBLIC_URL",
    "PAGE_CACHE_SECONDS",
)


class Defaults:
    """Settings every instance starts from."""

    SECRET_KEY: str | None = None
    DATABASE_URL: str | None = None  # None: SQLite in the instance folder
    SQLITE_BUSY_TIMEOUT_MS = 15_000
    SEARCH_BACKEND = "whoosh"
    SEARCH_INDEX_DIR: str | None = None  # None: instance/index
    SEARCH_DRAIN_AFTER_REQUEST = True
    # Requests leave the draining to a background thread and answer at once;
    # the suite turns this off so a search right after a write is deterministic.
    SEARCH_DRAIN_IN_BACKGROUND = True
    # The indexer process commits at most once per this many seconds while writes
    # keep coming (search/indexer.py); a write after a quiet spell waits one poll.
    SEARCH_INDEX_INTERVAL = 1.0
    SIGNUP_DOMAINS = ""  # comma-separated e-mail domains allowed to sign up without invite
    PASSWORD_HASH_METHOD = "scrypt"  # memory-hard; tests use a cheap one for speed
    INVITE_MAX_AGE = timedelta(days=14)

    MAX_CONTENT_LENGTH = 2 * 1024 * 1024
    # Flask's default (500 kB per multipart field) would refuse a 1 MB wiki page.
    MAX_FORM_MEMORY_SIZE = 2 * 1024 * 1024
    POST_MAX_BYTES = 64 * 1024
    WIKI_MAX_BYTES = 1024 * 1024
    MAX_MENTIONS_PER_POST = 50
    MAX_NOTIFICATIONS_PER_EVENT = 500

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False  # set True behind https
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_DURATION = timedelta(days=30)
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session

    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_ENABLED = True
    RATELIMIT_HEADERS_ENABLED = True
    RATELIMIT_LOGIN = "10 per minute; 100 per hour"
    RATELIMIT_TOKEN = "600 per minute"
    RATELIMIT_POSTING = "30 per minute"
    RATELIMIT_SEARCH = "120 per minute"

    BABEL_DEFAULT_LOCALE = "en"
    BABEL_DEFAULT_TIMEZONE = "UTC"
    LANGUAGES = ("en", "de")

    MAIL_SERVER = "localhost"
    MAIL_PORT = 25
    MAIL_USERNAME: str | None = None
    MAIL_PASSWORD: str | None = None
    MAIL_USE_TLS = False
    MAIL_DEFAULT_SENDER = "schwarm@localhost"
    # Group addresses are <slug>@MAIL_LIST_DOMAIN (mail gateway); empty: no addresses.
    MAIL_LIST_DOMAIN = ""
    MAIL_GATEWAY_MAX_BYTES = 10 * 1024 * 1024
    # None: suppressed (kept in mail.outbox) when TESTING, sent otherwise.
    MAIL_SUPPRESS_SEND: bool | None = None
    # Absolute base of links in e-mails (digests, notifications); default: the request's.
    PUBLIC_URL = "http://localhost:5000"

    # A pause this long starts a new visit; the catch-up starts where the last one ended.
    CATCHUP_VISIT_GAP = timedelta(hours=1)

    QUESTION_ESCALATION_HOURS = 4

    # Whole-page cache of the home stream (schwarm/pagecache.py): how long a page
    # may be served after it was rendered, if nothing is written meanwhile
    # (0: off), and how many bytes of pages each worker keeps.
    PAGE_CACHE_SECONDS = 30.0
    PAGE_CACHE_BYTES = 64 * 1024 * 1024
    # "file": commits bump a file in the instance folder (app processes on one
    # machine); "snapshot": PostgreSQL's snapshot (app nodes on several machines).
    PAGE_CACHE_GENERATION = "file"


def from_environment(environ: os._Environ | dict) -> dict:
    """Pick the documented variables out of the environment, typed."""
    found: dict = {}
    for key in ENVIRONMENT_KEYS:
        if key in environ and environ[key] != "":
            found[key] = environ[key]
    for key in ("MAIL_PORT", "MAIL_GATEWAY_MAX_BYTES"):
        if key in found:
            found[key] = int(found[key])
    if "PAGE_CACHE_SECONDS" in found:
        found["PAGE_CACHE_SECONDS"] = float(found["PAGE_CACHE_SECONDS"])
    if "MAIL_USE_TLS" in found:
        found["MAIL_USE_TLS"] = found["MAIL_USE_TLS"].lower() in ("1", "true", "yes", "on")
    return found


def signup_domains(value: str | list | tuple) -> set[str]:
    """Normalise SIGNUP_DOMAINS ("example.com, firma.de") to a set of lower-case domains."""
    if isinstance(value, str):
        value = value.split(",")
    return {d.strip().lower().lstrip("@") for d in value if d and d.strip()}
