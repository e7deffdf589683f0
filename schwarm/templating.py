"""Template helpers: dates in the viewer's zone and language, the nav's unread count."""

from __future__ import annotations

from datetime import datetime

from flask import Flask, request
from flask_babel import format_datetime, get_locale
from flask_babel import format_timedelta as babel_timedelta
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from schwarm import access
from schwarm.db import utcnow


def when(moment: datetime | None, style: str = "medium") -> str:
    """A UTC datetime shown in the viewer's time zone and language."""
    if moment is None:
        return ""
    return format_datetime(moment, style)


def ago(moment: datetime | None) -> str:
    """"3 hours ago" / "vor 3 Stunden"."""
    if moment is None:
        return ""
    return babel_timedelta(moment - utcnow(), add_direction=True)


def iso(moment: datetime | None) -> str:
    """Machine-readable time for <time datetime=...>."""
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ") if moment else ""


# What an Activity's verb reads like on a profile ("Anna <created the group> Sales").
# Features add their verbs: ``ACTIVITY_LABELS["posted"] = lazy_gettext("posted")``.
ACTIVITY_LABELS: dict = {
    "joined": _l("joined Schwarm"),
    "updated_profile": _l("updated the profile"),
    "created_group": _l("created the group"),
    "joined_group": _l("joined the group"),
    "left_group": _l("left the group"),
    "added_member": _l("added someone to"),
    "removed_member": _l("removed someone from"),
    "handed_over": _l("handed over"),
    "deactivated": _l("deactivated"),
    "reactivated": _l("reactivated"),
}


def activity_label(verb: str) -> str:
    """The translated words for an activity verb; unknown verbs are shown readable."""
    label = ACTIVITY_LABELS.get(verb)
    return str(label) if label is not None else verb.replace("_", " ")


def init_app(app: Flask) -> None:
    """Filters and globals available in every template."""
    app.jinja_env.filters["when"] = when
    app.jinja_env.filters["ago"] = ago
    app.jinja_env.filters["iso"] = iso
    app.jinja_env.globals["access"] = access
    app.jinja_env.globals["activity_label"] = activity_label
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    @app.context_processor
    def navigation():
        unread = 0
        if current_user and current_user.is_authenticated:
            from schwarm.notifications.services import unread_count

            unread = unread_count(current_user)
        return {"unread_notifications": unread, "current_locale": str(get_locale()),
                "request_path": request.path}
