"""Catch-up pages: ``/catchup``, the e-mail settings part of /settings and
``/unsubscribe/<token>`` (works without signing in)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from catchup import mailing, services
from catchup.forms import EmailSettingsForm
from schwarm.errors import ServiceError
from schwarm.extensions import csrf

bp = Blueprint("catchup", __name__)


@bp.get("/catchup")
@login_required
def show():
    error = None
    since = None
    try:
        since = services.parse_since(request.args.get("since"), current_user)
    except ServiceError as err:
        error = err.message
    chosen = since is not None
    since = since or services.default_since(current_user)
    catch = services.catch_up(current_user, since)
    html = render_template("catchup/catchup.html", catch=catch, error=error, chosen=chosen,
                           since_value=request.args.get("since", "")[:10])
    return html, 400 if error else 200


def settings_section(user) -> tuple[str, dict]:
    """The e-mail part of /settings."""
    form = EmailSettingsForm(notifications=user.email_notifications, digest=user.email_digest)
    return "catchup/_email_settings.html", {"form": form}


@bp.post("/settings/email")
@login_required
def email_settings():
    form = EmailSettingsForm()
    if form.validate_on_submit():
        try:
            mailing.set_preferences(current_user, notifications=form.notifications.data,
                                    digest=form.digest.data)
        except ServiceError as error:
            flash(error.message, "error")
        else:
            flash(_("Your e-mail settings are saved."), "success")
    else:
        flash(_("Choose no digest, a daily or a weekly one."), "error")
    return redirect(url_for("accounts.settings"))


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt  # the signed token is the authorisation; mail clients post one-click without CSRF
def unsubscribe(token: str):
    found = mailing.read_unsubscribe_token(token)
    if found is None:
        return render_template("catchup/unsubscribe.html", invalid=True, done=False), 404
    user, kind = found
    if request.method == "POST":
        mailing.unsubscribe(user, kind)
        return render_template("catchup/unsubscribe.html", invalid=False, done=True, kind=kind)
    return render_template("catchup/unsubscribe.html", invalid=False, done=False, kind=kind,
                           token=token)
