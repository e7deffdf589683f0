"""The activity stream: posts, comments, likes, mentions, tags, follows, feeds.

Public interface for other packages (Q&A, catch-up, export):

* ``stream.posts``: create_post, edit_post, delete_post, set_pinned,
  get_visible_post, get_live_post, group_for_posting, POST_CREATED hooks
* ``stream.comments``: add_comment, edit_comment, delete_comment,
  get_visible_comment, list_comments, COMMENT_CREATED hooks
* ``stream.likes``, ``stream.follows``, ``stream.queries`` (stream_page, Scope)
* ``stream.serialize``: post_summary, comment_summary (the API shapes)
"""

from flask import Flask
from flask_babel import lazy_gettext as _l

# How the stream's activities read on a profile ("Anna <commented> Looks good").
ACTIVITY_VERBS = {
    "posted": _l("posted"),
    "asked": _l("asked"),
    "edited_post": _l("edited the post"),
    "deleted_post": _l("deleted a post"),
    "pinned": _l("pinned"),
    "unpinned": _l("unpinned"),
    "commented": _l("commented"),
    "edited_comment": _l("edited the comment"),
    "deleted_comment": _l("deleted a comment"),
    "liked": _l("liked"),
    "unliked": _l("took back the like of"),
    "followed": _l("follows"),
    "unfollowed": _l("stopped following"),
}


def init_app(app: Flask) -> None:
    """Blueprints (pages, API, feeds), the home page as ``index``, the group and
    profile sections, and the search document types post, question, comment."""
    from schwarm.accounts.views import PROFILE_SECTIONS
    from schwarm.groups.views import GROUP_SECTIONS
    from schwarm.templating import ACTIVITY_LABELS
    from search import register_document_type
    from stream import api, feeds, models, post_views, search_docs, views  # noqa: F401

    app.register_blueprint(views.bp)
    app.register_blueprint(feeds.bp)
    app.register_blueprint(api.bp)
    app.add_url_rule("/", endpoint="index", view_func=views.home)

    # create_app runs many times per process (tests): register each provider once.
    if views.group_section not in GROUP_SECTIONS:
        GROUP_SECTIONS.append(views.group_section)
    if views.profile_section not in PROFILE_SECTIONS:
        PROFILE_SECTIONS.append(views.profile_section)

    for verb, label in ACTIVITY_VERBS.items():
        ACTIVITY_LABELS.setdefault(verb, label)

    from stream import handover

    handover.register(app)
    register_document_type(app, "post", search_docs.load_posts, search_docs.all_post_ids)
    register_document_type(app, "question", search_docs.load_questions,
                           search_docs.all_question_ids)
    register_document_type(app, "comment", search_docs.load_comments,
                           search_docs.all_comment_ids)
