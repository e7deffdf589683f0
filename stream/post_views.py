"""Post and comment pages: one post with its comments, edit, delete, pin, likes, history.

Every action is a plain POST form (CSRF) that redirects back: no JavaScript needed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from schwarm import access
from schwarm.errors import ServiceError
from stream import comments, likes, posts
from stream.forms import CommentForm, EditPostForm
from stream.limits import posting_limit
from stream.views import back, bp, here

COMMENTS_PER_PAGE = 200
MAX_ANSWERS = 500  # a question's answers are shown on one page, best first

# Features add to a post's page: hook(viewer, post) -> extra template context or None
# (the Q&A: "can_accept"/"accept_url" for the accept buttons, "post_sections" as
# (template, context) pairs shown below the post).
POST_PAGE_HOOKS: list[Callable[[Any, Any], dict | None]] = []


def _after_arg() -> int | None:
    raw = request.args.get("after", "")
    return int(raw) if raw.isdigit() and len(raw) <= 18 else None


@bp.get("/posts/<int:post_id>")
@login_required
def post(post_id: int):
    found = posts.get_visible_post(current_user, post_id)
    if found.is_question:  # answers: accepted first, then by votes, then by time
        shown = comments.list_comments(current_user, found, limit=MAX_ANSWERS, by_votes=True)
        more = None
    else:
        shown = comments.list_comments(current_user, found, after=_after_arg(),
                                       limit=COMMENTS_PER_PAGE + 1)
        more = (url_for("stream.post", post_id=found.id, after=shown[COMMENTS_PER_PAGE - 1].id)
                if len(shown) > COMMENTS_PER_PAGE else None)
        shown = shown[:COMMENTS_PER_PAGE]
    extra: dict = {}
    for hook in POST_PAGE_HOOKS:
        extra.update(hook(current_user, found) or {})
    likers = likes.post_likers(current_user, found, limit=6)
    return render_template(
        "stream/post.html", post=found, comments=shown, more_comments=more,
        liked=likes.liked_post_ids(current_user, [found.id]),
        liked_comments=likes.liked_comment_ids(current_user, [c.id for c in shown]),
        likers=[user for _like_id, user in likers[:5]], more_likers=len(likers) > 5,
        comment_form=CommentForm(), next_path=here(),
        can_pin=(found.kind == "announcement" and found.group is not None
                 and access.can_administer_group(current_user, found.group)),
        **extra,
    )


@bp.route("/posts/<int:post_id>/edit", methods=["GET", "POST"])
@login_required
def edit_post(post_id: int):
    found = posts.get_live_post(current_user, post_id)
    if not access.can_edit(current_user, found):
        abort(403)
    form = EditPostForm(obj=found)
    status = 200
    if form.validate_on_submit():
        try:
            posts.edit_post(current_user, found, form.body.data or "", title=form.title.data)
        except ServiceError as error:
            flash(error.message, "error")
            status = error.status
        else:
            flash(_("Saved. The earlier version is in the history."), "success")
            return redirect(url_for("stream.post", post_id=post_id))
    return render_template("stream/edit_post.html", post=found, form=form), status


@bp.post("/posts/<int:post_id>/delete")
@login_required
def delete_post(post_id: int):
    found = posts.get_visible_post(current_user, post_id)
    target = url_for("groups.show", slug=found.group.slug) if found.group else url_for("index")
    try:
        posts.delete_post(current_user, found)
    except ServiceError as error:
        flash(error.message, "error")
        return redirect(url_for("stream.post", post_id=post_id))
    flash(_("The post is deleted."), "success")
    return redirect(target)


@bp.post("/posts/<int:post_id>/pin")
@login_required
def pin_post(post_id: int):
    return _pin(post_id, True)


@bp.post("/posts/<int:post_id>/unpin")
@login_required
def unpin_post(post_id: int):
    return _pin(post_id, False)


def _pin(post_id: int, pinned: bool):
    found = posts.get_visible_post(current_user, post_id)
    try:
        posts.set_pinned(current_user, found, pinned)
    except ServiceError as error:
        flash(error.message, "error")
    return back(url_for("stream.post", post_id=post_id))


@bp.post("/posts/<int:post_id>/like")
@login_required
def like_post(post_id: int):
    likes.like_post(current_user, posts.get_visible_post(current_user, post_id))
    return back(url_for("stream.post", post_id=post_id))


@bp.post("/posts/<int:post_id>/unlike")
@login_required
def unlike_post(post_id: int):
    likes.unlike_post(current_user, posts.get_visible_post(current_user, post_id))
    return back(url_for("stream.post", post_id=post_id))


@bp.get("/posts/<int:post_id>/likes")
@login_required
def post_likes(post_id: int):
    found = posts.get_visible_post(current_user, post_id)
    rows = likes.post_likers(current_user, found, limit=500)
    return render_template("stream/likes.html", post=found, comment=None,
                           people=[user for _like_id, user in rows])


@bp.get("/posts/<int:post_id>/history")
@login_required
def post_history(post_id: int):
    found = posts.get_visible_post(current_user, post_id)
    return render_template("stream/history.html", post=found, comment=None,
                           revisions=posts.history(current_user, found))


# --- comments -----------------------------------------------------------------------------

@bp.post("/posts/<int:post_id>/comments")
@login_required
@posting_limit
def add_comment(post_id: int):
    found = posts.get_visible_post(current_user, post_id)
    form = CommentForm()
    form.validate_on_submit()  # CSRF; the service checks the content
    try:
        comment = comments.add_comment(current_user, found, form.body.data or "")
    except ServiceError as error:
        return render_template("stream/comment_error.html", post=found, form=form,
                               error=error.message), error.status
    return redirect(url_for("stream.post", post_id=post_id, _anchor=f"comment-{comment.id}"))


@bp.route("/comments/<int:comment_id>/edit", methods=["GET", "POST"])
@login_required
def edit_comment(comment_id: int):
    comment = comments.get_live_comment(current_user, comment_id)
    if not access.can_edit(current_user, comment):
        abort(403)
    form = CommentForm(obj=comment)
    status = 200
    if form.validate_on_submit():
        try:
            comments.edit_comment(current_user, comment, form.body.data or "")
        except ServiceError as error:
            flash(error.message, "error")
            status = error.status
        else:
            flash(_("Saved. The earlier version is in the history."), "success")
            return redirect(url_for("stream.post", post_id=comment.post_id,
                                    _anchor=f"comment-{comment_id}"))
    return render_template("stream/edit_comment.html", comment=comment, form=form), status


@bp.post("/comments/<int:comment_id>/delete")
@login_required
def delete_comment(comment_id: int):
    comment = comments.get_live_comment(current_user, comment_id)
    post_id = comment.post_id
    try:
        comments.delete_comment(current_user, comment)
    except ServiceError as error:
        flash(error.message, "error")
    else:
        flash(_("The comment is deleted."), "success")
    return redirect(url_for("stream.post", post_id=post_id))


@bp.post("/comments/<int:comment_id>/like")
@login_required
def like_comment(comment_id: int):
    comment = comments.get_live_comment(current_user, comment_id)
    likes.like_comment(current_user, comment)
    return back(url_for("stream.post", post_id=comment.post_id))


@bp.post("/comments/<int:comment_id>/unlike")
@login_required
def unlike_comment(comment_id: int):
    comment = comments.get_live_comment(current_user, comment_id)
    likes.unlike_comment(current_user, comment)
    return back(url_for("stream.post", post_id=comment.post_id))


@bp.get("/comments/<int:comment_id>/likes")
@login_required
def comment_likes(comment_id: int):
    comment = comments.get_live_comment(current_user, comment_id)
    rows = likes.comment_likers(current_user, comment, limit=500)
    return render_template("stream/likes.html", post=comment.post, comment=comment,
                           people=[user for _like_id, user in rows])


@bp.get("/comments/<int:comment_id>/history")
@login_required
def comment_history(comment_id: int):
    comment = comments.get_live_comment(current_user, comment_id)
    return render_template("stream/history.html", post=comment.post, comment=comment,
                           revisions=comments.history(current_user, comment))
