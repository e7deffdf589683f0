"""The versioned wiki: pages, revisions, diff, merge, links and backlinks.

Layout: ``storage`` and ``diffing`` are pure logic (paths, merge, diffs);
``services`` saves pages (merge, conflicts), ``manage`` moves, deletes and
watches, ``queries`` reads with access rules, ``links`` resolves [[links]];
``views``/``api``/``feeds`` are the thin HTTP layers.
"""

from flask import Flask
from flask_babel import lazy_gettext as _l

ACTIVITY_VERBS = {
    "created_page": _l("created the page"),
    "edited_page": _l("edited the page"),
    "moved_page": _l("moved the page"),
    "deleted_page": _l("deleted the page"),
    "restored_page": _l("restored the page"),
}


def init_app(app: Flask) -> None:
    """Register the wiki's blueprints, its search documents and page sections."""
    from schwarm.accounts.views import PROFILE_SECTIONS
    from schwarm.groups.views import GROUP_SECTIONS
    from schwarm.templating import ACTIVITY_LABELS
    from search import register_document_type
    from wiki import api, feeds, history_views, links, search_docs, sections, views

    app.register_blueprint(views.bp)
    app.register_blueprint(history_views.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(feeds.bp)
    from wiki import handover

    handover.register(app)
    register_document_type(app, "page", search_docs.load_pages, search_docs.all_page_ids)
    # For other features' [[links]] (posts, comments), without importing the wiki:
    # ``current_app.extensions["schwarm.wiki.page_exists"](text, group_id)`` -> callable.
    app.extensions["schwarm.wiki.page_exists"] = links.page_exists_resolver
    if sections.profile_pages not in PROFILE_SECTIONS:
        PROFILE_SECTIONS.append(sections.profile_pages)
    if sections.group_pages not in GROUP_SECTIONS:
        GROUP_SECTIONS.append(sections.group_pages)
    for verb, label in ACTIVITY_VERBS.items():
        ACTIVITY_LABELS.setdefault(verb, label)
