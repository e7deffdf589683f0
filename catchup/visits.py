"""Visits: ``last_visit_at`` follows a signed-in reader (written at most every few
minutes), and when they come back after a pause the end of their previous visit
becomes ``previous_visit_at`` — where their catch-up starts."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app, request
from flask_login import current_user
from sqlalchemy import update

from schwarm import access
from schwarm.accounts.models import User
from schwarm.db import utcnow, write_transaction
from schwarm.extensions import db

REFRESH = timedelta(minutes=5)


def track_visit() -> None:
    """``before_request``: note the visit of a signed-in reader of the HTML pages."""
    if request.method != "GET" or request.path.startswith(("/static/", "/api/")):
        return
    user = current_user._get_current_object() if current_user else None
    if not access.is_signed_in(user):
        return
    now = utcnow()
    last = user.last_visit_at
    if last is not None and now - last < REFRESH:
        return
    values = {"last_visit_at": now}
    if last is None or now - last >= current_app.config["CATCHUP_VISIT_GAP"]:
        values["previous_visit_at"] = last  # a new visit: the catch-up starts where the last ended
    with write_transaction():
        db.session.execute(update(User).where(User.id == user.id).values(**values)
                           .execution_options(synchronize_session=False))
