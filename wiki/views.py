"""Wiki pages in the browser: index, recent changes, a page, edit (with the
conflict view), move, delete/restore, watch. History and diffs are in
:mod:`wiki.history_views`."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from schwarm import access
from schwarm.accounts.forms import ConfirmForm
from schwarm.errors import Conflict, ServiceError
from schwarm.extensions import db
from schwarm.groups.models import Group
from wiki import diffing, manage, queries, services, storage
from wiki.forms import EditForm, MoveForm
from wiki.limits import save_limit
from wiki.models import Page

bp = Blueprint("wiki", __name__)
INDEX_PAGE_SIZE = 500


def canonical(path: str, endpoint: str, **values):
    """(canonical path, None) or (None, a redirect to the canonical address)."""
    clean = services.clean_path(path)
    if clean != path:
        return None, redirect(url_for(endpoint, path=clean, **values, **request.args), 301)
    return clean, None


@bp.get("/wiki/")
@login_required
def index():
    new = request.args.get("new")
    if new is not None:
        try:
            return redirect(url_for("wiki.edit", path=services.clean_path(new.strip())))
        except ServiceError as error:
            flash(error.message, "error")
    after = request.args.get("after") or None
    deleted = request.args.get("deleted") == "1"
    pages = queries.list_pages(current_user, after=after, limit=INDEX_PAGE_SIZE + 1,
                               deleted=deleted)
    more = pages[INDEX_PAGE_SIZE - 1].path if len(pages) > INDEX_PAGE_SIZE else None
    pages = pages[:INDEX_PAGE_SIZE]
    return render_template("wiki/index.html", tree=queries.page_tree(pages), more=more,
                           deleted=deleted, count=len(pages))


@bp.get("/wiki/recent")
@login_required
def recent():
    before = request.args.get("before", "")
    items = queries.recent_changes(current_user, before_id=int(before) if before.isdigit()
                                   else None, limit=51)
    more = items[49].id if len(items) > 50 else None
    return render_template("wiki/recent.html", items=items[:50], more=more)


@bp.get("/wiki/<path:path>")
@login_required
def page(path: str):
    clean, moved = canonical(path, "wiki.page")
    if moved:
        return moved
    found = queries.lookup(current_user, clean)
    if found.redirect_to:
        return redirect(url_for("wiki.page", path=found.redirect_to, moved_from=clean))
    if found.page is None:
        return render_template("wiki/missing.html", path=clean,
                               breadcrumbs=queries.breadcrumbs(current_user, clean)), 404
    p = found.page
    return render_template(
        "wiki/page.html", page=p, breadcrumbs=queries.breadcrumbs(current_user, p.path),
        toc=storage.table_of_contents(p.body_html), backlinks=queries.backlinks(current_user, p),
        watching=queries.is_watching(current_user, p),
        can_edit=access.can_edit_page(current_user, p),
        can_manage=access.can_manage_page(current_user, p),
        moved_from=request.args.get("moved_from", ""), confirm=ConfirmForm())


def _group_choices() -> list[tuple[str, str]]:
    ids = access.member_group_ids(current_user)
    groups = db.session.scalars(
        select(Group).where(Group.id.in_(ids)).order_by(Group.name)).all() if ids else []
    choices = [("", _("Everyone in the company"))]
    choices += [(g.slug, g.name + (" " + _("(private)") if g.is_private else ""))
                for g in groups]
    return choices


def _default_group(path: str, choices: list[tuple[str, str]]) -> str:
    """New pages start in the group of their nearest parent page, if the editor is in it."""
    parents = storage.parent_paths(path)
    if not parents:
        return ""
    row = db.session.execute(
        select(Group.slug).join(Page, Page.group_id == Group.id)
        .where(Page.path.in_(parents), Page.deleted_at.is_(None))
        .order_by(Page.path.desc()).limit(1)).first()
    allowed = {slug for slug, _label in choices}
    return row.slug if row and row.slug in allowed else ""


@bp.route("/wiki/<path:path>/edit", methods=["GET", "POST"])
@login_required
@save_limit
def edit(path: str):
    clean, moved = canonical(path, "wiki.edit")
    if moved:
        return moved
    found = queries.lookup(current_user, clean, with_body=True, with_html=False)
    if found.redirect_to and request.method == "GET":
        return redirect(url_for("wiki.edit", path=found.redirect_to))
    p = found.page
    if p is not None and p.deleted_at is not None:
        raise Conflict(_("This page is deleted. Restore it before editing."))
    if p is not None and not access.can_edit_page(current_user, p):
        abort(403)
    form = EditForm()
    if p is None:
        form.group.choices = _group_choices()
    if request.method == "GET":
        if p is not None:
            form.title.data, form.body.data = p.title, p.body
            form.base_revision.data = str(p.current_revision)
        else:
            form.title.data = storage.title_from_path(clean)
            wanted = request.args.get("group")
            form.group.data = wanted if wanted in {slug for slug, _label in form.group.choices} \
                else _default_group(clean, form.group.choices)
        return render_template("wiki/edit.html", form=form, page=p, path=clean)
    return _save(form, p, clean)


def _save(form: EditForm, p, path: str):
    if not form.validate_on_submit():
        flash(_("The form expired. Please save again."), "error")
        return render_template("wiki/edit.html", form=form, page=p, path=path), 400
    raw_base = (form.base_revision.data or "").strip()
    if raw_base and not raw_base.isdigit():
        abort(400)
    try:
        result = services.save_page(
            current_user, path, title=form.title.data or "", body=form.body.data or "",
            summary=form.summary.data or "", base_revision=int(raw_base) if raw_base else None,
            group=(form.group.data or None) if p is None else None)
    except Conflict as error:
        if "conflict" in error.extra:
            return _conflict_view(form, p, path, error)
        flash(error.message, "error")
        return render_template("wiki/edit.html", form=form, page=p, path=path), error.status
    except ServiceError as error:
        flash(error.message, "error")
        return render_template("wiki/edit.html", form=form, page=p, path=path), error.status
    if result.merged:
        flash(_("Saved and merged: your changes were combined with changes that others "
                "saved meanwhile."), "success")
    elif result.unchanged:
        flash(_("Nothing changed."), "success")
    elif result.created:
        flash(_("The page is created."), "success")
    else:
        flash(_("Saved."), "success")
    return redirect(url_for("wiki.page", path=result.page.path))


def _conflict_view(form: EditForm, p, path: str, error: Conflict):
    """409: both versions, the editor's text kept in the form, now based on the latest."""
    conflict = error.extra["conflict"]
    form.base_revision.data = str(error.extra.get("current_revision") or "")
    diff = diffing.diff_rows(conflict["theirs"], conflict["yours"])
    if p is None:
        p = services.find_page(path)
    return render_template("wiki/edit.html", form=form, page=p, path=path,
                           conflict=conflict, conflict_message=error.message,
                           conflict_diff=diff,
                           current_revision=error.extra.get("current_revision")), 409


def _act(path: str, action, message: str):
    clean = services.clean_path(path)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        action(current_user, clean)
    except ServiceError as error:
        if error.status == 404:
            raise
        flash(error.message, "error")
    else:
        flash(message, "success")
    return redirect(url_for("wiki.page", path=clean))


@bp.post("/wiki/<path:path>/watch")
@login_required
def watch(path: str):
    return _act(path, manage.watch, _("You are watching this page."))


@bp.post("/wiki/<path:path>/unwatch")
@login_required
def unwatch(path: str):
    return _act(path, manage.unwatch, _("You no longer watch this page."))


@bp.post("/wiki/<path:path>/delete")
@login_required
def delete(path: str):
    return _act(path, manage.delete_page,
                _("The page is deleted. Its history is kept; it can be restored."))


@bp.post("/wiki/<path:path>/restore")
@login_required
def restore(path: str):
    return _act(path, manage.restore_page, _("The page is restored."))


@bp.route("/wiki/<path:path>/move", methods=["GET", "POST"])
@login_required
@save_limit
def move(path: str):
    clean, moved = canonical(path, "wiki.move")
    if moved:
        return moved
    p = queries.get_page(current_user, clean, with_body=False, follow_redirect=False)
    if not access.can_edit_page(current_user, p):
        abort(403)
    form = MoveForm()
    if request.method == "GET":
        form.new_path.data = p.path
        return render_template("wiki/move.html", form=form, page=p)
    if not form.validate_on_submit():
        flash(_("Please give the new path."), "error")
        return render_template("wiki/move.html", form=form, page=p), 400
    try:
        pairs = manage.move_page(current_user, p.path, form.new_path.data,
                                 subtree=bool(form.subtree.data))
    except ServiceError as error:
        flash(error.message, "error")
        return render_template("wiki/move.html", form=form, page=p), error.status
    flash(_("Moved %(n)s page(s). The old addresses lead to the new ones.", n=len(pairs)),
          "success")
    return redirect(url_for("wiki.page", path=pairs[0][1]))
