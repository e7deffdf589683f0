"""Admin pages: users (search, deactivate with handover, reactivate, admin role), invites.

Routes on the accounts blueprint; anyone but an active admin gets 404.
"""

from __future__ import annotations

import re

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from schwarm import access
from schwarm.accounts import services
from schwarm.accounts.forms import ConfirmForm, DeactivateForm, InviteForm
from schwarm.accounts.models import User
from schwarm.accounts.views import bp
from schwarm.errors import ServiceError
from schwarm.extensions import db


def _admin_only() -> None:
    if not access.is_admin(current_user):
        abort(404)


def _user_or_404(username: str) -> User:
    user = services.get_user(username)
    if user is None:
        abort(404)
    return user


@bp.get("/admin/users")
@login_required
def admin_users():
    _admin_only()
    query = (request.args.get("q") or "").strip()[:100]
    stmt = select(User).order_by(User.active.desc(), User.username).limit(500)
    if query:
        like = "%" + re.sub(r"([%_\\])", r"\\\1", query.casefold()) + "%"
        stmt = stmt.where(User.username.like(like, escape="\\") |
                          User.display_name.ilike(like, escape="\\") |
                          User.email.like(like, escape="\\"))
    users = db.session.scalars(stmt).all()
    return render_template("accounts/admin_users.html", users=users, query=query,
                           invite_form=InviteForm(), deactivate_form=DeactivateForm(),
                           confirm=ConfirmForm())


@bp.post("/admin/invites")
@login_required
def create_invite():
    _admin_only()
    form = InviteForm()
    if form.validate_on_submit():
        try:
            token = services.create_invite(current_user, form.email.data or "")
        except ServiceError as error:
            flash(error.message, "error")
        else:
            link = url_for("accounts.register", invite=token, _external=True)
            return render_template("accounts/invite_created.html", link=link)
    else:
        flash(_("Please give a valid e-mail address or none."), "error")
    return redirect(url_for("accounts.admin_users"))


@bp.get("/admin/users/<username>/handover")
@login_required
def handover(username: str):
    """Step one of deactivating a leaver: what they are responsible for, and to whom."""
    from schwarm import handover as registry

    _admin_only()
    user = _user_or_404(username)
    if not user.active or user.id == current_user.id:
        return redirect(url_for("accounts.admin_users"))
    form = DeactivateForm(successor=request.args.get("successor", ""))
    return render_template("accounts/handover.html", user=user, form=form,
                           sources=registry.pending(user))


def _selection() -> dict[str, list[str]] | None:
    """The items ticked on the handover page (``key:id``), or None: hand over all."""
    if request.form.get("handover") != "1":
        return None
    selection: dict[str, list[str]] = {}
    for pick in request.form.getlist("item")[:5000]:
        key, _sep, item_id = pick.partition(":")
        if item_id:
            selection.setdefault(key, []).append(item_id)
    return selection


@bp.post("/admin/users/<username>/deactivate")
@login_required
def deactivate(username: str):
    _admin_only()
    form = DeactivateForm()
    user = _user_or_404(username)
    if form.validate_on_submit():
        back = (url_for("accounts.handover", username=user.username)
                if request.form.get("handover") == "1" else url_for("accounts.admin_users"))
        successor = None
        if form.successor.data:
            successor = services.get_user(form.successor.data)
            if successor is None:
                flash(_("There is no user %(name)s.", name=form.successor.data), "error")
                return redirect(back)
        try:
            handed = services.deactivate(current_user, user, successor, _selection())
        except ServiceError as error:
            flash(error.message, "error")
            return redirect(back)
        flash(_("%(name)s is deactivated; their content stays.", name=user.name), "success")
        if successor is not None and any(handed.values()):
            flash(_("Handed over to %(name)s: %(count)s item(s).", name=successor.name,
                    count=sum(len(items) for items in handed.values())), "success")
    return redirect(url_for("accounts.admin_users"))


@bp.post("/admin/users/<username>/reactivate")
@login_required
def reactivate(username: str):
    _admin_only()
    user = _user_or_404(username)
    if ConfirmForm().validate_on_submit():
        services.reactivate(current_user, user)
        flash(_("%(name)s can sign in again.", name=user.name), "success")
    return redirect(url_for("accounts.admin_users"))


@bp.post("/admin/users/<username>/role")
@login_required
def set_role(username: str):
    _admin_only()
    user = _user_or_404(username)
    if ConfirmForm().validate_on_submit():
        make_admin = request.form.get("admin") == "1"
        try:
            services.set_admin(current_user, user, make_admin)
        except ServiceError as error:
            flash(error.message, "error")
        else:
            flash(_("%(name)s is now an admin.", name=user.name) if make_admin
                  else _("%(name)s is no longer an admin.", name=user.name), "success")
    return redirect(url_for("accounts.admin_users"))
