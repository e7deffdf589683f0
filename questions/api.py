"""Q&A routes of the JSON API: the question list, accepting, analytics."""

from __future__ import annotations

from flask import jsonify, request
from flask_babel import gettext as _

from questions import analytics, queries, services
from schwarm.api import api_user, blueprint, body, doc, encode_cursor, limit_arg, page
from schwarm.errors import Invalid
from stream import posts
from stream.api import _cursor
from stream.likes import liked_post_ids
from stream.serialize import post_summary

bp = blueprint("questions_api", __name__)


@bp.get("/questions")
@doc("Questions the caller may see, newest first", query={
    "status": "unanswered|answered|open", "tag": "a tag", "mine": "1: my questions",
    "expertise": "1: in my expertise tags", "cursor": "from 'next'", "limit": "1-100"},
    responses={400: "bad filter or cursor"})
def list_questions():
    viewer = api_user()
    flt = queries.QuestionFilter.from_args(request.args)
    result = queries.list_questions(viewer, flt, before=_cursor(), limit=limit_arg(),
                                    with_counts=False)
    liked = liked_post_ids(viewer, [p.id for p in result.posts])
    return page([post_summary(p, liked=p.id in liked) for p in result.posts],
                encode_cursor(result.next_before) if result.next_before else None)


@bp.post("/posts/<int:post_id>/accept")
@doc("Accept an answer of a question (asker, group owner, admin); comment_id null "
     "takes the acceptance back", body_schema={"comment_id": {"type": "integer"}},
     responses={403: "not allowed to accept", 404: "no such question or answer"})
def accept(post_id: int):
    user = api_user()
    data = body()
    if "comment_id" not in data:
        raise Invalid(_("'comment_id' is required."), code="missing_field")
    services.accept_answer(user, post_id, data["comment_id"])
    post = posts.get_visible_post(user, post_id)
    return jsonify(post_summary(post, liked=post.id in liked_post_ids(user, [post.id])))


@bp.get("/questions/analytics")
@doc("Q&A figures (admins: all; group owners: their groups)", query={
    "group": "a group slug", "weeks": "weeks back (default 12)"},
    responses={403: "neither admin nor group owner"})
def analytics_report():
    scope = analytics.scope_for(api_user(), group_slug=request.args.get("group") or None,
                                weeks=request.args.get("weeks"))
    return jsonify(analytics.report(scope))

