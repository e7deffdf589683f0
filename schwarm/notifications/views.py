"""The notification inbox page."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from schwarm.accounts.forms import ConfirmForm
from schwarm.notifications import services
from schwarm.security import safe_next

bp = Blueprint("notifications", __name__)


@bp.get("/notifications")
@login_required
def inbox():
    before = request.args.get("before", "")
    before_id = int(before) if before.isascii() and before.isdigit() and len(before) < 19 else None
    items = services.inbox(current_user, unread_only=request.args.get("unread") == "1",
                           before_id=before_id, limit=51)
    more = len(items) > 50
    return render_template("notifications/inbox.html", items=items[:50], more=more,
                           confirm=ConfirmForm())


@bp.post("/notifications/read")
@login_required
def mark_read():
    if ConfirmForm().validate_on_submit():
        raw = request.form.get("id", "")
        if not raw:
            services.mark_read(current_user, None)  # "mark all read"
        elif raw.isascii() and raw.isdigit() and len(raw) < 19:
            services.mark_read(current_user, [int(raw)])
    return redirect(safe_next(request.form.get("open")) or url_for("notifications.inbox"))
