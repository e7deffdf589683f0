"""Checking and rendering the text of posts and comments.

Mentions are resolved with one query per text: candidate names are
pre-extracted with a regex, the existing usernames among them are fetched at
once, and markup.render gets a set lookup instead of a query per name.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from html.parser import HTMLParser

from flask import current_app
from flask_babel import format_number
from flask_babel import gettext as _
from sqlalchemy import select

from schwarm import markup
from schwarm.accounts.models import User
from schwarm.errors import Invalid, TooLarge
from schwarm.extensions import db
from schwarm.text import normalize_identifier

MAX_TITLE = 200
MAX_TAG_LENGTH = 128  # after normalisation (NFKC can lengthen a 64-character tag)
MAX_EXTRA_TAGS = 30
_CANDIDATE_RE = re.compile(r"(?<!\w)@(\w[\w.-]*)")
# Characters that make a text look non-empty while showing nothing.
_INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff"
_BLOCKS = frozenset("p br hr h1 h2 h3 h4 h5 h6 pre blockquote ul ol li table tr th td".split())


@dataclass(frozen=True)
class Body:
    """A checked and rendered text: what the rows store."""

    text: str
    html: str
    tags: tuple[str, ...]
    mention_ids: dict[int, str]  # user id -> username


def check_body(text: object) -> str:
    """The text with normalised line ends, or Invalid / TooLarge with a clear message."""
    if not isinstance(text, str):
        raise Invalid(_("The text must be a string."), code="invalid_body")
    limit = int(current_app.config.get("POST_MAX_BYTES", 64 * 1024))
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > limit:
        raise TooLarge(
            _("The text is %(size)s bytes long; at most %(limit)s bytes are allowed.",
              size=format_number(size), limit=format_number(limit)),
            code="too_large", max_bytes=limit,
        )
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip().strip(_INVISIBLE).strip():
        raise Invalid(_("Please write something: the text is empty."), code="empty_body")
    return text


def check_title(title: object, *, required: bool) -> str:
    """A one-line title (questions), trimmed."""
    if title is None:
        title = ""
    if not isinstance(title, str):
        raise Invalid(_("The title must be a string."), code="invalid_title")
    value = " ".join(unicodedata.normalize("NFC", title).split())
    if any(unicodedata.category(ch) in ("Cc", "Cf") for ch in value):
        raise Invalid(_("The title may not contain control or invisible characters."),
                      code="invalid_title")
    if required and not value:
        raise Invalid(_("A question needs a title."), code="missing_title")
    if len(value) > MAX_TITLE:
        raise Invalid(_("The title is longer than %(max)s characters.", max=MAX_TITLE),
                      code="invalid_title")
    return value


def clean_tags(tags: object) -> list[str]:
    """Explicitly given tags, normalised like #tags, deduplicated, in order."""
    if tags is None:
        return []
    if isinstance(tags, str):
        tags = tags.replace(",", " ").split()
    if not isinstance(tags, list | tuple) or not all(isinstance(t, str) for t in tags):
        raise Invalid(_("Tags must be a list of words."), code="invalid_tags")
    cleaned: list[str] = []
    for raw in tags:
        tag = markup.normalize_tag(raw.strip())
        if not tag:
            continue
        if (len(tag) > MAX_TAG_LENGTH or not tag[0].isalpha()
                or not all(ch.isalnum() or ch in "-_" for ch in tag)):
            raise Invalid(_("'%(tag)s' is not a valid tag: use letters, digits, '-' and '_', "
                            "starting with a letter.", tag=raw[:100]), code="invalid_tag")
        if tag not in cleaned:
            cleaned.append(tag)
    if len(cleaned) > MAX_EXTRA_TAGS:
        raise Invalid(_("At most %(max)s tags.", max=MAX_EXTRA_TAGS), code="invalid_tags")
    return cleaned


def _any_page(path: str) -> bool:
    return True


def _existing_users(text: str, limit: int) -> dict[str, tuple[int, str]]:
    """normalised name -> (id, username) for the @names in ``text`` that are accounts."""
    names: dict[str, None] = {}
    for match in _CANDIDATE_RE.finditer(unicodedata.normalize("NFC", text)):
        name = normalize_identifier(match.group(1).rstrip(".-"))
        if 0 < len(name) <= 64:
            names.setdefault(name)
            if len(names) >= limit:
                break
    if not names:
        return {}
    rows = db.session.execute(select(User.id, User.username).where(User.username.in_(names)))
    return {username: (user_id, username) for user_id, username in rows}


def render_body(text: str, *, group_id: int | None = None,
                extra_tags: list[str] | tuple[str, ...] = (), title: str = "") -> Body:
    """Render checked ``text``: HTML, tags (text, title and extra) and mentioned users.

    [[Wiki links]] are resolved by the wiki when it is installed (missing
    pages, seen from ``group_id``, link to their edit form).
    """
    max_mentions = int(current_app.config.get("MAX_MENTIONS_PER_POST", 50))
    # The same bound markup.render uses for its own lookups.
    known = _existing_users(text, 4 * max(max_mentions, 0))
    resolver = current_app.extensions.get("schwarm.wiki.page_exists")
    page_exists = resolver(text, group_id) if resolver and "[[" in text else _any_page
    rendered = markup.render(
        text,
        user_exists=lambda name: normalize_identifier(name) in known,
        page_exists=page_exists,
        max_mentions=max_mentions,
    )
    tags: dict[str, None] = {}
    for tag in (*rendered.tags, *markup.extract_tags(title), *extra_tags):
        if len(tag) <= MAX_TAG_LENGTH:
            tags.setdefault(tag)
    mentions = {}
    for name in rendered.mentions:
        found = known.get(normalize_identifier(name))
        if found is not None:
            mentions[found[0]] = found[1]
    return Body(text=text, html=rendered.html, tags=tuple(tags), mention_ids=mentions)


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in _BLOCKS:
            self.parts.append(" ")  # "<p>a</p><p>b</p>" is "a b", not "ab"

    def handle_endtag(self, tag: str) -> None:
        self.handle_starttag(tag, [])


def html_text(html: str) -> str:
    """One line of plain text from stored, sanitised HTML (no second Markdown pass)."""
    parser = _Text()
    parser.feed(html)
    parser.close()
    return " ".join("".join(parser.parts).split())


def excerpt(html: str, length: int = 120) -> str:
    """A one-line beginning of stored HTML for activity lines, titles and notifications.

    Plain text: escape it before putting it into a page.
    """
    line = html_text(html)
    return line if len(line) <= length else line[: length - 1].rstrip() + "…"
