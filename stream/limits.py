"""The per-user posting rate limit (config RATELIMIT_POSTING), for pages and the API."""

from __future__ import annotations

from flask import current_app, g, request
from flask_login import current_user

from schwarm.extensions import limiter


def posting_key() -> str:
    """Rate-limit key for posting: the account, whichever way it signed in."""
    user = g.get("api_user") or (current_user if current_user.is_authenticated else None)
    if user is not None:
        return f"posting:user:{user.id}"
    return "posting:ip:" + (request.remote_addr or "?")


# One budget for posts and comments per user, shared by the pages and the API.
posting_limit = limiter.shared_limit(
    lambda: current_app.config["RATELIMIT_POSTING"], scope="posting", key_func=posting_key,
    methods=["POST"], override_defaults=False,
    error_message="You are posting too fast; please wait a moment.",
)
