"""Q&A pages: the question list, asking, accepting, analytics (page, charts, CSV)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from questions import analytics, charts, queries, services
from questions.forms import AcceptForm, AskForm
from schwarm import access
from schwarm.db import utcnow
from schwarm.errors import Invalid, ServiceError
from stream import posts
from stream.limits import posting_limit
from stream.views import before_arg, postable_groups

bp = Blueprint("questions", __name__)

PAGE_SIZE = 20


@bp.get("/questions")
@login_required
def index():
    try:
        flt = queries.QuestionFilter.from_args(request.args)
    except Invalid as error:
        flash(error.message, "error")
        return redirect(url_for("questions.index"))
    page = queries.list_questions(current_user, flt, before=before_arg(), limit=PAGE_SIZE)
    now = utcnow()
    overdue = {p.id for p in page.posts
               if p.id not in page.answered and p.accepted_comment_id is None
               and services.answer_deadline(p) <= now}
    more = (url_for("questions.index", **flt.args(), before=page.next_before)
            if page.next_before else None)
    return render_template("questions/index.html", page=page, flt=flt, overdue=overdue,
                           more_url=more, hours=services.escalation_hours(),
                           show_analytics=analytics.can_see_analytics(current_user))


def _ask_form() -> AskForm:
    form = AskForm()
    form.group.choices = [("", _("Everyone (company-wide)"))] + [
        (g.slug, g.name) for g in postable_groups(current_user)]
    if not form.is_submitted() and request.args.get("group"):
        form.group.data = request.args["group"]
    return form


@bp.route("/questions/ask", methods=["GET", "POST"])
@login_required
@posting_limit
def ask():
    form = _ask_form()
    status = 200
    if form.validate_on_submit():
        try:
            group = posts.group_for_posting(current_user, form.group.data or None)
            post = posts.create_post(current_user, form.body.data or "", group=group,
                                     kind="question", title=form.title.data,
                                     tags=form.tags.data or "")
        except ServiceError as error:
            form.form_errors.append(error.message)
            status = error.status
        else:
            flash(_("Your question is asked; the experts of its tags are told."), "success")
            return redirect(url_for("stream.post", post_id=post.id))
    elif form.is_submitted():
        status = 400
    return render_template("questions/ask.html", form=form), status


@bp.post("/posts/<int:post_id>/accept")
@login_required
def accept(post_id: int):
    form = AcceptForm()
    if not form.validate_on_submit():
        abort(400)
    raw = (form.comment_id.data or "").strip()
    if raw and not (raw.isascii() and raw.isdigit() and len(raw) <= 18):
        abort(404)
    services.accept_answer(current_user, post_id, int(raw) if raw else None)
    anchor = f"comment-{raw}" if raw else "comments"
    flash(_("The accepted answer is marked.") if raw else _("The answer is no longer accepted."),
          "success")
    return redirect(url_for("stream.post", post_id=post_id, _anchor=anchor))


def _analytics_scope():
    return analytics.scope_for(current_user, group_slug=request.args.get("group") or None,
                               weeks=request.args.get("weeks"))


@bp.get("/questions/analytics")
@login_required
def analytics_page():
    scope = _analytics_scope()
    data = analytics.report(scope)
    args = {k: v for k, v in (("group", request.args.get("group")),
                              ("weeks", request.args.get("weeks"))) if v}
    return render_template("questions/analytics.html", data=data, scope=scope, args=args,
                           groups=scope.groups if scope.groups else [])


@bp.get("/questions/analytics/chart/<name>.svg")
@login_required
def analytics_chart(name: str):
    if name not in charts.CHARTS:
        abort(404)
    svg = charts.render(name, analytics.report(_analytics_scope()))
    response = Response(svg, mimetype="image/svg+xml")
    # An SVG opened on its own must not run anything either.
    response.headers["Content-Security-Policy"] = (
        "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'")
    return response


@bp.get("/questions/analytics.csv")
@login_required
def analytics_csv():
    body = analytics.to_csv(analytics.report(_analytics_scope()))
    return Response(body, mimetype="text/csv", headers={
        "Content-Disposition": "attachment; filename=question-analytics.csv"})


# --- extension points of other packages ----------------------------------------------------

def post_page(viewer: Any, post: Any) -> dict | None:
    """The stream's post page hook: accept buttons and the experts of the tags."""
    if not post.is_question or post.deleted_at is not None:
        return None
    experts = queries.experts_for(viewer, post)
    sections = [("questions/_experts.html", {"experts": experts})] if experts else []
    return {"can_accept": services.can_accept(viewer, post),
            "accept_url": url_for("questions.accept", post_id=post.id),
            "post_sections": sections}


def profile_section(viewer: Any, user: Any) -> tuple[str, dict] | None:
    """A person's record in the Q&A: answers given and accepted, topics. No points."""
    if not access.can_view_user(viewer, user):
        return None
    record = queries.record_of(viewer, user)
    if not (record.answers or record.questions):
        return None
    return "questions/_profile_section.html", {"record": record, "person": user}
