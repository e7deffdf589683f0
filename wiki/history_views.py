"""Wiki history in the browser: revision list, diffs, old revisions, revert."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from schwarm import access
from schwarm.errors import ServiceError
from wiki import diffing, links, queries, services
from wiki.forms import RevertForm
from wiki.limits import save_limit
from wiki.views import canonical

bp = Blueprint("wiki_history", __name__)
HISTORY_PAGE_SIZE = 50


def _page(path: str, endpoint: str, **values):
    clean, moved = canonical(path, endpoint, **values)
    if moved:
        return None, moved
    found = queries.lookup(current_user, clean, with_html=False)
    if found.redirect_to:
        return None, redirect(url_for(endpoint, path=found.redirect_to, **values,
                                      **request.args))
    if found.page is None:
        abort(404)
    return found.page, None


@bp.get("/wiki/<path:path>/history")
@login_required
def history(path: str):
    p, moved = _page(path, "wiki_history.history")
    if moved:
        return moved
    before = request.args.get("before", "")
    revisions = queries.history(p, before=int(before) if before.isdigit() else None,
                                limit=HISTORY_PAGE_SIZE + 1)
    more = revisions[HISTORY_PAGE_SIZE - 1].number if len(revisions) > HISTORY_PAGE_SIZE \
        else None
    return render_template("wiki/history.html", page=p, revisions=revisions[:HISTORY_PAGE_SIZE],
                           more=more, can_edit=access.can_edit_page(current_user, p),
                           revert_form=RevertForm())


def _revision_arg(name: str, default: int) -> int:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    if not raw.isdigit() or int(raw) < 1:
        abort(400, description=_("'%(name)s' must be a revision number.", name=name))
    return int(raw)


@bp.get("/wiki/<path:path>/diff")
@login_required
def diff(path: str):
    p, moved = _page(path, "wiki_history.diff")
    if moved:
        return moved
    new = _revision_arg("to", p.current_revision)
    old = _revision_arg("from", max(new - 1, 1))
    if old > new:
        old, new = new, old
    found = queries.revision_bodies(p, (old, new))
    mode = "inline" if request.args.get("mode") == "inline" else "side"
    return render_template("wiki/diff.html", page=p, old=found[old], new=found[new],
                           diff=diffing.diff_rows(found[old].body, found[new].body), mode=mode)


@bp.get("/wiki/<path:path>/revisions/<int:number>")
@login_required
def revision(path: str, number: int):
    p, moved = _page(path, "wiki_history.revision", number=number)
    if moved:
        return moved
    rev = queries.get_revision(p, number)
    # Old revisions are rendered when viewed (only the current HTML is stored).
    revision_html, _links = links.render_body(rev.body, p.group_id)
    return render_template("wiki/revision.html", page=p, revision=rev,
                           revision_html=revision_html,
                           can_edit=access.can_edit_page(current_user, p),
                           revert_form=RevertForm(revision=str(number)))


@bp.post("/wiki/<path:path>/revert")
@login_required
@save_limit
def revert(path: str):
    clean = services.clean_path(path)
    form = RevertForm()
    if not form.validate_on_submit() or not (form.revision.data or "").isdigit():
        abort(400)
    try:
        result = services.revert_page(current_user, clean, int(form.revision.data),
                                      form.summary.data or None)
    except ServiceError as error:
        if error.status == 404:
            raise
        flash(error.message, "error")
        return redirect(url_for("wiki_history.history", path=clean))
    if result.unchanged:
        flash(_("The page has this content already; nothing changed."), "success")
    else:
        flash(_("Reverted to revision %(n)s as new revision %(m)s.",
                n=form.revision.data, m=result.revision), "success")
    return redirect(url_for("wiki.page", path=result.page.path))
