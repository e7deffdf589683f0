"""After-commit hooks: features register work that must follow a committed write
(draining the search outbox). Kept tiny so the core imports no feature."""

from __future__ import annotations

from collections.abc import Callable

from flask import current_app, has_app_context

_KEY = "schwarm.after_commit"


def register_after_commit(app, func: Callable[[], None]) -> None:
    """Call ``func`` after every write transaction commits in this app."""
    app.extensions.setdefault(_KEY, []).append(func)


def after_commit() -> None:
    """Run the registered hooks; failures are logged, never raised to the writer."""
    if not has_app_context():
        return
    for func in current_app.extensions.get(_KEY, []):
        try:
            func()
        except Exception:  # the write is committed; the hook can retry later
            current_app.logger.exception("after-commit hook %r failed", func)
