"""Group pages: directory, group page, membership actions."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from schwarm import access
from schwarm.accounts.forms import ConfirmForm
from schwarm.accounts.services import get_user
from schwarm.errors import NotFound, ServiceError
from schwarm.extensions import db
from schwarm.groups import services
from schwarm.groups.forms import GroupForm, MemberForm, NotifyForm
from schwarm.groups.models import Membership

bp = Blueprint("groups", __name__)

# Features add parts of a group page: provider(viewer, group) -> (template, context) or None.
GROUP_SECTIONS: list = []


def _group_or_404(slug: str):
    try:
        return services.get_visible_group(current_user, slug)
    except NotFound:
        abort(404)


@bp.get("/groups")
@login_required
def directory():
    mine = request.args.get("mine") == "1"
    return render_template("groups/directory.html", rows=services.list_groups(current_user,
                           mine=mine), form=GroupForm(), mine=mine)


@bp.post("/groups")
@login_required
def create():
    form = GroupForm()
    if form.validate_on_submit():
        try:
            group = services.create_group(current_user, form.slug.data, form.name.data,
                                          form.description.data or "", form.visibility.data)
        except ServiceError as error:
            flash(error.message, "error")
        else:
            flash(_("The group %(name)s is created.", name=group.name), "success")
            return redirect(url_for("groups.show", slug=group.slug))
    else:
        flash(_("Please give the group a name and a short name."), "error")
    return render_template("groups/directory.html", rows=services.list_groups(current_user),
                           form=form, mine=False), 400


MEMBERS_ON_GROUP_PAGE = 30
MEMBERS_PER_PAGE = 100


@bp.get("/groups/<slug>")
@login_required
def show(slug: str):
    group = _group_or_404(slug)
    role = access.group_role(current_user, group)
    membership = db.session.get(Membership, (group.id, current_user.id)) if role else None
    sections = [provider(current_user, group) for provider in GROUP_SECTIONS]
    return render_template(
        "groups/show.html", group=group, role=role,
        members=services.first_members(group, MEMBERS_ON_GROUP_PAGE),
        member_count=services.member_count(group),
        confirm=ConfirmForm(), member_form=MemberForm(),
        notify_form=NotifyForm(notify_all=membership.notify_all if membership else False),
        can_admin=access.can_administer_group(current_user, group),
        sections=[s for s in sections if s])


@bp.get("/groups/<slug>/members")
@login_required
def members(slug: str):
    """Every member, by name, in keyset pages (``?after=<cursor>``)."""
    group = _group_or_404(slug)
    after = _member_cursor(request.args.get("after"))
    rows = services.members_page(group, after=after, limit=MEMBERS_PER_PAGE + 1)
    more = len(rows) > MEMBERS_PER_PAGE
    rows = rows[:MEMBERS_PER_PAGE]
    next_cursor = f"{rows[-1][0].id}:{rows[-1][0].display_name}" if more else None
    return render_template("groups/members.html", group=group, members=rows,
                           member_count=services.member_count(group),
                           can_admin=access.can_administer_group(current_user, group),
                           next_cursor=next_cursor)


def _member_cursor(raw: str | None) -> tuple[str, int] | None:
    """``<user id>:<display name>`` -> (display name, user id); a bad cursor is a 400."""
    if not raw:
        return None
    user_id, _colon, name = raw.partition(":")
    if not user_id.isdigit() or not name or len(raw) > 300:
        abort(400, description=_("That page link is broken; start from the first page."))
    return name, int(user_id)


def _act(slug: str, action) -> object:
    group = _group_or_404(slug)
    if ConfirmForm().validate_on_submit():
        try:
            action(group)
        except ServiceError as error:
            flash(error.message, "error")
    return redirect(url_for("groups.show", slug=group.slug))


@bp.post("/groups/<slug>/join")
@login_required
def join(slug: str):
    return _act(slug, lambda group: services.join(current_user, group))


@bp.post("/groups/<slug>/leave")
@login_required
def leave(slug: str):
    group = _group_or_404(slug)
    if ConfirmForm().validate_on_submit():
        try:
            services.leave(current_user, group)
        except ServiceError as error:
            flash(error.message, "error")
            return redirect(url_for("groups.show", slug=group.slug))
        flash(_("You left %(name)s.", name=group.name), "success")
    return redirect(url_for("groups.directory"))


@bp.post("/groups/<slug>/members")
@login_required
def add_member(slug: str):
    group = _group_or_404(slug)
    form = MemberForm()
    if form.validate_on_submit():
        user = get_user(form.username.data)
        if user is None:
            flash(_("There is no user %(name)s.", name=form.username.data), "error")
        else:
            try:
                services.add_member(current_user, group, user, form.role.data)
            except ServiceError as error:
                flash(error.message, "error")
            else:
                flash(_("%(name)s is now in the group.", name=user.name), "success")
    return redirect(url_for("groups.show", slug=group.slug))


@bp.post("/groups/<slug>/members/<username>/remove")
@login_required
def remove_member(slug: str, username: str):
    _group_or_404(slug)
    user = get_user(username)
    if user is None:
        abort(404)
    return _act(slug, lambda g: services.remove_member(current_user, g, user))


@bp.post("/groups/<slug>/notify")
@login_required
def notify(slug: str):
    group = _group_or_404(slug)
    form = NotifyForm()
    if form.validate_on_submit():
        try:
            services.set_notify_all(current_user, group, form.notify_all.data)
        except ServiceError as error:
            flash(error.message, "error")
    return redirect(url_for("groups.show", slug=group.slug))
