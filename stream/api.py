"""Stream routes of the JSON API: streams, posts, comments, likes, follows."""

from __future__ import annotations

from flask import jsonify, request
from flask_babel import gettext as _

from schwarm.api import (
    api_user,
    blueprint,
    body,
    decode_cursor,
    doc,
    encode_cursor,
    get_str,
    get_str_list,
    limit_arg,
    page,
)
from schwarm.errors import Invalid
from stream import comments, follows, likes, posts, queries
from stream.limits import posting_limit
from stream.serialize import (
    comment_summary,
    liker_summary,
    post_summary,
    revision_summary,
)

bp = blueprint("stream_api", __name__)


_POST_BODY = {"body": {"type": "string"}, "group": {"type": "string"},
              "kind": {"type": "string", "enum": ["update", "question", "announcement"]},
              "title": {"type": "string"}, "tags": {"type": "array", "items": {"type": "string"}}}
_LIST_QUERY = {"cursor": "from 'next'", "limit": "1-100"}


def _cursor() -> int | None:
    values = decode_cursor(request.args.get("cursor"), 1)
    if values is None:
        return None
    if not isinstance(values[0], int) or isinstance(values[0], bool):
        raise Invalid(_("That cursor is not valid."), code="invalid_cursor")
    return values[0]


def _int_arg(name: str) -> int:
    raw = request.args.get(name, "")
    if not raw.isdigit() or len(raw) > 18:
        raise Invalid(_("'%(name)s' must be a post id.", name=name), code="invalid_field")
    return int(raw)


@bp.get("/stream")
@doc("A stream of posts, newest first", query={
    "scope": "home (default), all, group:<slug>, tag:<tag> or user:<username>", **_LIST_QUERY})
def stream():
    viewer = api_user()
    scope = queries.parse_scope(viewer, request.args.get("scope"))
    result = queries.stream_page(viewer, scope, before=_cursor(), limit=limit_arg())
    items = [post_summary(p, liked=p.id in result.liked) for p in result.posts]
    return page(items, encode_cursor(result.next_before) if result.next_before else None)


@bp.get("/stream/new")
@doc("How many posts are newer than `since` in a stream (at most 100): the quiet poll",
     query={"scope": "as for /stream", "since": "the newest post id shown"})
def stream_new():
    viewer = api_user()
    scope = queries.parse_scope(viewer, request.args.get("scope"))
    return jsonify({"count": queries.count_new(viewer, scope, _int_arg("since"))})


@bp.post("/posts")
@posting_limit
@doc("Post an update, question or announcement", body_schema=_POST_BODY,
     responses={201: "created", 403: "not a member of the group", 404: "no such group",
                413: "text too large", 429: "posting too fast"})
def create_post():
    user = api_user()
    data = body()
    group = posts.group_for_posting(user, get_str(data, "group", max_length=200))
    post = posts.create_post(
        user, get_str(data, "body", required=True), group=group,
        kind=get_str(data, "kind", max_length=20), title=get_str(data, "title", max_length=1000),
        tags=get_str_list(data, "tags"),
    )
    return jsonify(post_summary(posts.get_visible_post(user, post.id))), 201


@bp.get("/posts/<int:post_id>")
@doc("One post", responses={404: "absent or not visible"})
def get_post(post_id: int):
    user = api_user()
    post = posts.get_visible_post(user, post_id)
    return jsonify(post_summary(post, liked=post.id in likes.liked_post_ids(user, [post.id])))


@bp.patch("/posts/<int:post_id>")
@doc("Edit a post (the earlier text stays in its history)", body_schema={
    "body": {"type": "string"}, "title": {"type": "string"},
    "tags": {"type": "array", "items": {"type": "string"}}})
def edit_post(post_id: int):
    user = api_user()
    data = body()
    post = posts.get_visible_post(user, post_id)
    posts.edit_post(user, post, get_str(data, "body", required=True),
                    title=get_str(data, "title", max_length=1000),
                    tags=get_str_list(data, "tags"))
    return jsonify(post_summary(posts.get_visible_post(user, post_id)))


@bp.delete("/posts/<int:post_id>")
@doc("Delete a post (author, group owner or admin)", responses={204: "deleted"})
def delete_post(post_id: int):
    user = api_user()
    posts.delete_post(user, posts.get_visible_post(user, post_id))
    return "", 204


@bp.get("/posts/<int:post_id>/history")
@doc("Every version of a post, newest first")
def post_history(post_id: int):
    user = api_user()
    revisions = posts.history(user, posts.get_visible_post(user, post_id))
    return jsonify({"items": [revision_summary(r) for r in revisions], "next": None})


@bp.put("/posts/<int:post_id>/pin")
@doc("Pin an announcement to the top of its group (owners, admins)")
def pin_post(post_id: int):
    user = api_user()
    post = posts.set_pinned(user, posts.get_visible_post(user, post_id), True)
    return jsonify(post_summary(posts.get_visible_post(user, post.id)))


@bp.delete("/posts/<int:post_id>/pin")
@doc("Unpin an announcement")
def unpin_post(post_id: int):
    user = api_user()
    post = posts.set_pinned(user, posts.get_visible_post(user, post_id), False)
    return jsonify(post_summary(posts.get_visible_post(user, post.id)))


@bp.get("/posts/<int:post_id>/comments")
@doc("Comments on a post, oldest first", query=_LIST_QUERY)
def list_comments(post_id: int):
    user = api_user()
    limit = limit_arg()
    post = posts.get_visible_post(user, post_id)
    found = comments.list_comments(user, post, after=_cursor(), limit=limit + 1)
    shown = found[:limit]
    liked = likes.liked_comment_ids(user, [c.id for c in shown])
    return page([comment_summary(c, liked=c.id in liked) for c in shown],
                encode_cursor(shown[-1].id) if len(found) > limit else None)


@bp.post("/posts/<int:post_id>/comments")
@posting_limit
@doc("Comment on a post", body_schema={"body": {"type": "string"}},
     responses={201: "created", 413: "text too large", 429: "posting too fast"})
def add_comment(post_id: int):
    user = api_user()
    data = body()
    post = posts.get_visible_post(user, post_id)
    comment = comments.add_comment(user, post, get_str(data, "body", required=True))
    return jsonify(comment_summary(comment)), 201


@bp.get("/comments/<int:comment_id>")
@doc("One comment")
def get_comment(comment_id: int):
    user = api_user()
    comment = comments.get_live_comment(user, comment_id)
    return jsonify(comment_summary(
        comment, liked=comment.id in likes.liked_comment_ids(user, [comment.id])))


@bp.patch("/comments/<int:comment_id>")
@doc("Edit a comment", body_schema={"body": {"type": "string"}})
def edit_comment(comment_id: int):
    user = api_user()
    data = body()
    comment = comments.edit_comment(user, comments.get_live_comment(user, comment_id),
                                    get_str(data, "body", required=True))
    return jsonify(comment_summary(comments.get_live_comment(user, comment.id)))


@bp.delete("/comments/<int:comment_id>")
@doc("Delete a comment (author, group owner or admin)", responses={204: "deleted"})
def delete_comment(comment_id: int):
    user = api_user()
    comments.delete_comment(user, comments.get_live_comment(user, comment_id))
    return "", 204


@bp.get("/comments/<int:comment_id>/history")
@doc("Every version of a comment, newest first")
def comment_history(comment_id: int):
    user = api_user()
    revisions = comments.history(user, comments.get_live_comment(user, comment_id))
    return jsonify({"items": [revision_summary(r) for r in revisions], "next": None})


@bp.put("/posts/<int:post_id>/like")
@doc("Like a post (idempotent)")
def like_post(post_id: int):
    user = api_user()
    return jsonify({"like_count": likes.like_post(user, posts.get_visible_post(user, post_id))})


@bp.delete("/posts/<int:post_id>/like")
@doc("Take a like back (idempotent)")
def unlike_post(post_id: int):
    user = api_user()
    return jsonify({"like_count": likes.unlike_post(user,
                                                    posts.get_visible_post(user, post_id))})


@bp.get("/posts/<int:post_id>/likes")
@doc("Who liked a post, newest first", query=_LIST_QUERY)
def post_likes(post_id: int):
    user = api_user()
    limit = limit_arg()
    rows = likes.post_likers(user, posts.get_visible_post(user, post_id), before=_cursor(),
                             limit=limit + 1)
    return page([liker_summary(u) for _like_id, u in rows[:limit]],
                encode_cursor(rows[limit - 1][0]) if len(rows) > limit else None)


@bp.put("/comments/<int:comment_id>/like")
@doc("Like a comment (idempotent)")
def like_comment(comment_id: int):
    user = api_user()
    comment = comments.get_live_comment(user, comment_id)
    return jsonify({"like_count": likes.like_comment(user, comment)})


@bp.delete("/comments/<int:comment_id>/like")
@doc("Take a like of a comment back (idempotent)")
def unlike_comment(comment_id: int):
    user = api_user()
    comment = comments.get_live_comment(user, comment_id)
    return jsonify({"like_count": likes.unlike_comment(user, comment)})


@bp.get("/comments/<int:comment_id>/likes")
@doc("Who liked a comment, newest first", query=_LIST_QUERY)
def comment_likes(comment_id: int):
    user = api_user()
    limit = limit_arg()
    rows = likes.comment_likers(user, comments.get_live_comment(user, comment_id),
                                before=_cursor(), limit=limit + 1)
    return page([liker_summary(u) for _like_id, u in rows[:limit]],
                encode_cursor(rows[limit - 1][0]) if len(rows) > limit else None)


def _target(target) -> dict:
    return {"kind": target.kind, "name": target.name, "url": target.url, "following": True}


@bp.get("/follows")
@doc("What you follow: people, groups, tags")
def list_follows():
    return jsonify({"items": [_target(t) for t in follows.following(api_user())],
                    "next": None})


@bp.put("/follows/<kind>/<path:name>")
@doc("Follow a user, group or tag (kind: user | group | tag; idempotent)")
def follow(kind: str, name: str):
    return jsonify(_target(follows.follow(api_user(), kind, name)))


@bp.delete("/follows/<kind>/<path:name>")
@doc("Stop following (idempotent)")
def unfollow(kind: str, name: str):
    return jsonify({**_target(follows.unfollow(api_user(), kind, name)), "following": False})
