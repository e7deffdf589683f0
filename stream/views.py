"""Stream pages: home, all, tags, the post form, follow buttons, and the stream
parts of group and profile pages."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import Row, select

from schwarm import access
from schwarm.errors import ServiceError
from schwarm.extensions import db
from schwarm.groups.models import Group, Membership
from schwarm.pagecache import cacheable
from schwarm.security import safe_next
from stream import follows, posts, queries
from stream.forms import PostForm
from stream.likes import liked_post_ids
from stream.limits import posting_limit
from stream.models import FOLLOW_GROUP, FOLLOW_TAG, FOLLOW_USER

bp = Blueprint("stream", __name__)

PAGE_SIZE = 20


def before_arg() -> int | None:
    """``?before=<post id>``: the keyset cursor of the HTML pages."""
    raw = request.args.get("before", "")
    return int(raw) if raw.isdigit() and len(raw) <= 18 else None


def here() -> str:
    """This page's path and query, for forms that come back here."""
    return request.full_path.rstrip("?")


def back(default: str) -> Any:
    """Redirect to the form's ``next`` (a local path only) or ``default``."""
    return redirect(safe_next(request.form.get("next")) or default)


def postable_groups(user: Any) -> list[Row]:
    """Slug and name of the groups ``user`` may post in, by name (admins: every
    group). Columns, not Group objects: a person may be in a hundred groups."""
    stmt = select(Group.slug, Group.name).order_by(Group.name)
    if not access.is_admin(user):
        stmt = stmt.where(Group.id.in_(select(Membership.group_id)
                                       .where(Membership.user_id == user.id)))
    return list(db.session.execute(stmt))


def post_form(user: Any, group: Group | None = None, **kwargs: Any) -> PostForm:
    """The post form with the group choices of ``user`` (``group`` preselected)."""
    form = PostForm(**kwargs)
    form.group.choices = [("", _("Everyone (company-wide)"))] + [
        (g.slug, g.name) for g in postable_groups(user)]
    if group is not None and not form.is_submitted():
        form.group.data = group.slug
    return form


def poll_settings(scope: queries.Scope, page: queries.StreamPage, first: bool) -> dict | None:
    """What stream.js needs for the quiet "N new posts" poll (first pages only)."""
    if not first:
        return None
    return {
        "url": url_for("stream_api.stream_new", scope=scope.key),
        "since": page.posts[0].id if page.posts else 0,
        "interval": int(current_app.config.get("STREAM_POLL_SECONDS", 30)) * 1000,
    }


def stream_context(scope: queries.Scope, more_endpoint: str, **more_args: Any) -> dict:
    """Posts of ``scope`` for the current ``?before=``, with paging and poll settings."""
    before = before_arg()
    page = queries.stream_page(current_user, scope, before=before, limit=PAGE_SIZE)
    more = (url_for(more_endpoint, **more_args, before=page.next_before)
            if page.next_before else None)
    return {"page": page, "more_url": more, "poll": poll_settings(scope, page, before is None),
            "scope_key": scope.key, "next_path": here()}


@cacheable
@login_required
def home():
    """The signed-in user's home stream: followed people, groups, tags, own posts, mentions."""
    scope = queries.Scope(queries.HOME)
    return render_template("stream/home.html", form=post_form(current_user),
                           following=follows.following(current_user),
                           **stream_context(scope, "index"))


@bp.get("/stream/all")
@login_required
def everything():
    return render_template("stream/all.html", form=post_form(current_user),
                           **stream_context(queries.Scope(queries.ALL), "stream.everything"))


@bp.get("/tags/<tag>")
@login_required
def tag(tag: str):
    name = queries.normalize_tag_name(tag)
    scope = queries.Scope(queries.TAG, tag=name)
    return render_template(
        "stream/tag.html", tag=name, count=queries.tag_post_count(current_user, name),
        count_cap=queries.TAG_COUNT_CAP,
        following=follows.is_following(current_user, FOLLOW_TAG, name),
        **stream_context(scope, "stream.tag", tag=name))


@bp.post("/posts")
@login_required
@posting_limit
def create_post():
    form = post_form(current_user)
    form.validate_on_submit()  # CSRF; the service checks the content
    try:
        group = posts.group_for_posting(current_user, form.group.data or None)
        post = posts.create_post(current_user, form.body.data or "", group=group,
                                 kind=form.kind.data, title=form.title.data,
                                 tags=form.tags.data or None)
    except ServiceError as error:
        return render_template("stream/compose.html", form=form, error=error.message), \
            error.status
    flash(_("Posted."), "success")
    return redirect(safe_next(form.next.data) or url_for("stream.post", post_id=post.id))


@bp.post("/follows/<kind>/<name>")
@login_required
def follow(kind: str, name: str):
    try:
        target = follows.follow(current_user, kind, name)
    except ServiceError as error:
        flash(error.message, "error")
        return back(url_for("index"))
    flash(_("You follow %(name)s now.", name=target.name), "success")
    return back(target.url)


@bp.post("/follows/<kind>/<name>/remove")
@login_required
def unfollow(kind: str, name: str):
    try:
        target = follows.unfollow(current_user, kind, name)
    except ServiceError as error:
        flash(error.message, "error")
        return back(url_for("index"))
    flash(_("You no longer follow %(name)s.", name=target.name), "success")
    return back(target.url)


# --- sections of the group and profile pages ------------------------------------------

def group_section(viewer: Any, group: Group) -> tuple[str, dict] | None:
    """The group's stream with its pinned announcements and a post box for members."""
    if not access.can_view_group(viewer, group):
        return None
    scope = queries.Scope(queries.GROUP, group=group)
    context = stream_context(scope, "groups.show", slug=group.slug)
    pinned = queries.pinned_posts(viewer, group) if before_arg() is None else []
    if pinned:
        # Pinned announcements are shown on top, once.
        page = context["page"]
        page.posts = [p for p in page.posts if p.pinned_at is None]
        page.liked |= liked_post_ids(viewer, [p.id for p in pinned])
    context.update(
        group=group,
        pinned=pinned,
        form=post_form(viewer, group) if access.can_post_in_group(viewer, group) else None,
        following=follows.is_following(viewer, FOLLOW_GROUP, str(group.id)),
        is_member=access.is_member(viewer, group),
    )
    return "stream/group_section.html", context


def profile_section(viewer: Any, user: Any) -> tuple[str, dict] | None:
    """A person's posts the viewer may see, and a follow button."""
    if not access.can_view_user(viewer, user):
        return None
    scope = queries.Scope(queries.USER, user=user)
    context = stream_context(scope, "accounts.profile", username=user.username)
    context.update(person=user,
                   following=follows.is_following(viewer, FOLLOW_USER, str(user.id)),
                   is_self=getattr(viewer, "id", None) == user.id)
    return "stream/profile_section.html", context
