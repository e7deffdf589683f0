"""[[Wiki Links]]: which targets exist, rendering page bodies, and keeping the
stored HTML of linking pages current when a target appears or disappears.

Existence is decided per rendered text with one query, before rendering,
so :func:`schwarm.markup.render` never asks the database link by link.
Because rendered HTML is stored and shown to everyone who may see the
linking text, a target counts as existing only if every such viewer may see
it: a company-wide or public-group page, or a page of the linking text's own
group. Links into a private group from elsewhere therefore look like links to
a missing page and never reveal the hidden page's title.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable

from flask import current_app
from sqlalchemy import or_, select, union, update

from schwarm import markup
from schwarm.accounts.models import User
from schwarm.extensions import db
from schwarm.groups.models import PUBLIC, Group
from wiki import storage
from wiki.models import Page, PageLink, PageRedirect

# Bounds the work one text can cause: more distinct targets render as missing.
MAX_LINK_TARGETS = 500
MAX_MENTION_LOOKUPS = 200
# Pages whose stored HTML is refreshed synchronously after a target changes.
MAX_REFRESH = 50

_LINK_RE = re.compile(r"\[\[([^\[\]|\n]{1,200})(?:\|[^\[\]\n]{1,200})?\]\]")
_MENTION_RE = re.compile(r"(?<!\w)@(\w[\w.-]*)")


def link_targets(text: str) -> set[str]:
    """Canonical paths of the ``[[...]]`` links in ``text`` (a superset of what renders)."""
    source = unicodedata.normalize("NFC", text)
    found: set[str] = set()
    for match in _LINK_RE.finditer(source):
        path = markup.wiki_path_for(match.group(1))
        if path:
            found.add(path)
            if len(found) >= MAX_LINK_TARGETS:
                break
    return found


def linkable_paths(paths: Iterable[str], group_id: int | None = None) -> set[str]:
    """Those of ``paths`` that name a live page (or a redirect to one) that everyone
    who may see a text in ``group_id`` may also see. One query."""
    wanted = list(set(paths))[:MAX_LINK_TARGETS]
    if not wanted:
        return set()
    public = select(Group.id).where(Group.visibility == PUBLIC)
    visible = [Page.group_id.is_(None), Page.group_id.in_(public)]
    if group_id is not None:
        visible.append(Page.group_id == group_id)
    live = Page.deleted_at.is_(None)
    direct = select(Page.path.label("path")).where(Page.path.in_(wanted), live, or_(*visible))
    moved = (select(PageRedirect.old_path.label("path"))
             .join(Page, Page.id == PageRedirect.page_id)
             .where(PageRedirect.old_path.in_(wanted), live, or_(*visible)))
    return set(db.session.scalars(union(direct, moved)))


def page_exists_resolver(text: str, group_id: int | None = None) -> Callable[[str], bool]:
    """A ``page_exists`` callable for :func:`schwarm.markup.render`, pre-resolved.

    Other features (posts, comments) call this so that their [[links]] show
    missing pages the same way: ``render(text, page_exists=page_exists_resolver(text, gid))``.
    """
    existing = linkable_paths(link_targets(text), group_id)
    return existing.__contains__


def _user_resolver(text: str) -> Callable[[str], bool]:
    names = {markup.normalize_username(m.rstrip(".-")) for m in _MENTION_RE.findall(text)}
    names = set(list(names)[:MAX_MENTION_LOOKUPS])
    if not names:
        return lambda name: False
    known = set(db.session.scalars(select(User.username).where(User.username.in_(names))))
    return known.__contains__


def render_body(body: str, group_id: int | None) -> tuple[str, tuple[str, ...]]:
    """Stored HTML (with heading anchors) and the link targets of a page body."""
    rendered = markup.render(
        body,
        user_exists=_user_resolver(body),
        page_exists=page_exists_resolver(body, group_id),
        max_mentions=current_app.config.get("MAX_MENTIONS_PER_POST", 50),
    )
    return storage.add_heading_anchors(rendered.html), rendered.links


def sync_links(page_id: int, targets: Iterable[str]) -> None:
    """Make the page's PageLink rows match ``targets`` (inside the caller's transaction)."""
    wanted = set(targets)
    have = set(db.session.scalars(select(PageLink.to_path).where(PageLink.from_page_id == page_id)))
    gone = have - wanted
    if gone:
        db.session.execute(PageLink.__table__.delete().where(
            PageLink.from_page_id == page_id, PageLink.to_path.in_(gone)))
    for path in sorted(wanted - have):
        db.session.add(PageLink(from_page_id=page_id, to_path=path))


def refresh_linking_pages(paths: Iterable[str]) -> int:
    """Re-render pages that link to ``paths`` after those appeared, moved or vanished.

    Runs after the change committed; each page is rewritten only if nobody
    saved it meanwhile (its revision is unchanged). At most MAX_REFRESH pages;
    the rest show the old link style until their next edit. Returns the count.
    """
    from schwarm.db import write_transaction

    targets = list(set(paths))
    if not targets:
        return 0
    rows = db.session.execute(
        select(Page.id, Page.current_revision, Page.body, Page.group_id)
        .where(Page.id.in_(select(PageLink.from_page_id).where(PageLink.to_path.in_(targets))),
               Page.deleted_at.is_(None))
        .order_by(Page.id).limit(MAX_REFRESH)
    ).all()
    db.session.commit()  # end the read before rendering (SQLite: no lock held meanwhile)
    rendered = [(page_id, revision, render_body(body, group_id)[0])
                for page_id, revision, body, group_id in rows]
    if not rendered:
        return 0
    with write_transaction():
        for page_id, revision, html in rendered:
            db.session.execute(update(Page).where(
                Page.id == page_id, Page.current_revision == revision).values(body_html=html))
    return len(rendered)
