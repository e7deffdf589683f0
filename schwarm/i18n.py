"""Language and time zone of the viewer: their setting, else the browser's."""

from __future__ import annotations

from flask import current_app, request
from flask_login import current_user


def select_locale() -> str:
    """The user's language setting, else the best match of Accept-Language."""
    languages = current_app.config["LANGUAGES"]
    user = current_user if current_user else None
    if user is not None and user.is_authenticated and user.language in languages:
        return user.language
    try:
        best = request.accept_languages.best_match(languages)
    except RuntimeError:  # outside a request (CLI, e-mail)
        best = None
    return best or current_app.config["BABEL_DEFAULT_LOCALE"]


def select_timezone() -> str:
    """The user's time zone; UTC for anonymous visitors."""
    user = current_user if current_user else None
    if user is not None and user.is_authenticated and user.timezone:
        return user.timezone
    return current_app.config["BABEL_DEFAULT_TIMEZONE"]
