"""The per-user rate limit for wiki saves (config RATELIMIT_WIKI), pages and API alike."""

from __future__ import annotations

from flask import current_app, g, request
from flask_login import current_user

from schwarm.extensions import limiter

DEFAULT = "60 per minute"


def _key() -> str:
    """The account, whichever way it signed in (browser session or token)."""
    user = g.get("api_user") or (current_user if current_user.is_authenticated else None)
    if user is not None:
        return f"wiki:user:{user.id}"
    return "wiki:ip:" + (request.remote_addr or "?")


# One budget per user for saving, reverting and moving pages.
save_limit = limiter.shared_limit(
    lambda: current_app.config.get("RATELIMIT_WIKI", DEFAULT), scope="wiki", key_func=_key,
    methods=["POST", "PUT"], override_defaults=False,
    error_message="You are saving too fast; please wait a moment.",
)
