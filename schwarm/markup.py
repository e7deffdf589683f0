"""Markup is rendered in one place (DESIGN.md, invariant 4).

Markdown -> python-markdown -> one html5lib parse through bleach: the allow-list
sanitiser, then filters on the sanitised tokens that autolink bare http(s) URLs,
put ``rel="nofollow noopener"`` on every link and turn @mentions, #tags and
[[Wiki Links]] in text nodes (never inside ``a``, ``code`` or ``pre``) into
links.  The filters add only allow-listed tokens and the serialiser escapes
them, so the output is allow-listed by construction; the tests check
``sanitize(render(x).html) == render(x).html``.  One parse, not two, because
html5lib is pure Python and a 1 MB body must render in seconds.

Pure: nothing from Flask or the database; resolvers are passed in.
"""

from __future__ import annotations

import html
import re
import threading
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from html.parser import HTMLParser
from typing import Any
from urllib.parse import quote

import bleach
import markdown
from bleach.html5lib_shim import Filter
from bleach.linkifier import LinkifyFilter
from markdown.blockprocessors import HashHeaderProcessor
from markdown.extensions import Extension
from markdown.preprocessors import Preprocessor

ALLOWED_TAGS = frozenset(
    "p br hr h1 h2 h3 h4 h5 h6 strong em b i code pre blockquote ul ol li a img "
    "table thead tbody tr th td del sup sub span".split()
)
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})
LINK_REL = "nofollow noopener"
# Only the classes this module adds, so users cannot dress a link up as a
# mention.  No span classes are added yet, so spans keep no attributes.
_LINK_CLASSES = frozenset({"mention", "tag", "wikilink", "missing"})
_CODE_CLASS_RE = re.compile(r"language-[\w+#.-]{1,40}")

_MAX_NAME_LENGTH = 64  # longer @names/#tags stay text: no giant resolver keys
# Tags must not follow a word char or '&' (entities such as &#39;, "C#").
_TAG = r"(?<![\w&])#(?P<tag>\w[\w-]*)"
_TAG_RE = re.compile(_TAG)
# One scanner for the three kinds of links.  Mentions need a non-word char
# before '@' so e-mail addresses do not match.  Trailing '.'/'-' are trimmed
# in code rather than by backtracking; the [[...]] parts are bounded so that
# '[' * 10000 stays linear.
_TOKEN_RE = re.compile(
    r"\[\[(?P<target>[^\[\]|\n]{1,200})(?:\|(?P<label>[^\[\]\n]{1,200}))?\]\]"
    r"|(?<!\w)@(?P<user>\w[\w.-]*)|" + _TAG
)
# Bare URLs need an explicit http(s) scheme (bleach's default also links
# "example.com"); parentheses only in balanced pairs: "(see https://x/A_(b))."
_URL_CHARS = r"[^\s<>\"'`{}|\\^\[\]()]"
_URL_RE = re.compile(rf"\bhttps?://(?:{_URL_CHARS}|\({_URL_CHARS}*\))+", re.IGNORECASE)

# Re-sanitising is needed only after raw HTML, and must settle within a few passes.
_RAW_HTML_RE = re.compile(r"<[a-zA-Z/!?]")
_MAX_PASSES = 4
# Deeper nesting is shown as source: html5lib checks the whole stack of open
# elements for each tag, so 5,000 nested elements cost seconds per pass.
_MAX_DEPTH = 1000
_OPEN_OR_CLOSE_RE = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9]*)")
_NOT_NESTING = frozenset(  # void elements, and those closed by their next sibling
    "area base br col embed hr img input link meta source track wbr "
    "p li dt dd tr td th thead tbody tfoot option".split()
)

# python-markdown scans to the end of the paragraph for every '[' and '(' of a
# possible link, and the stdlib HTMLParser it uses rescans to the end for every
# '<' without a '>': quadratic time for '[' * 10000 or '<a ' * 10000.  With
# these bounds, longer link texts, URLs and tags stay plain text.
_SCAN_LIMIT = 1000
_MAX_BRACKET_DEPTH = 32
_BRACKET_RE = re.compile(r"[\[\]]")
_PAREN_RE = re.compile(r"[()]")
# markdown's own backslash-escape placeholder for '<' (STX "60" ETX); markdown
# removes STX/ETX from its input, so this can only come from us.
_ESCAPED_LT = "\x0260\x03"
_LINK_PROCESSORS = "reference link image_link image_reference short_reference short_image_ref"

_TEXT_TOKENS = frozenset({"Characters", "SpaceCharacters", "Entity"})
_BLOCK_TAGS = frozenset(
    "p br hr h1 h2 h3 h4 h5 h6 pre blockquote ul ol li table thead tbody tr th td".split()
)


@dataclass(frozen=True)
class Rendered:
    """Result of :func:`render`; ``html`` is safe to mark ``|safe``."""

    html: str
    mentions: tuple[str, ...]
    tags: tuple[str, ...]
    links: tuple[str, ...]


def normalize_username(name: str) -> str:
    """Return the canonical form of a username (NFKC, case-folded)."""
    return unicodedata.normalize("NFKC", name).casefold()


def normalize_tag(tag: str) -> str:
    """Return the canonical form of a tag: NFKC, case-folded, without leading '#'."""
    return unicodedata.normalize("NFKC", tag).casefold().lstrip("#")


def wiki_path_for(title_or_path: str) -> str:
    """Turn a title or path into a wiki path: "sales/Onboarding Guide" -> "sales/onboarding-guide".

    NFKC and case-folded like usernames.  Letters, digits and combining marks
    of any script are kept; every run of other characters becomes one '-'.
    Empty segments vanish, so the result never starts or ends with '/' and
    never contains '//' or '..'.
    """
    segments = []
    for segment in normalize_username(title_or_path).split("/"):
        kept = "".join(
            c if c.isalnum() or unicodedata.category(c).startswith("M") else " " for c in segment
        )
        if slug := "-".join(kept.split()):
            segments.append(slug)
    return "/".join(segments)


def _tag_name(raw: str) -> str | None:
    """The tag written as ``#raw`` (trailing '-' dropped), or None if it is not one."""
    name = raw.rstrip("-")
    if not name or not name[0].isalpha() or len(name) > _MAX_NAME_LENGTH:
        return None  # "#1" or "#_x" is not a tag
    return name


def extract_tags(text: str) -> list[str]:
    """Normalised tags in plain text (e.g. a title), in order, without duplicates."""
    tags: dict[str, None] = {}
    for match in _TAG_RE.finditer(unicodedata.normalize("NFC", text)):
        if name := _tag_name(match.group("tag")):
            tags.setdefault(normalize_tag(name))
    return list(tags)


def _allow_attribute(tag: str, name: str, value: str) -> bool:
    """Attribute allow-list; bleach checks the URL schemes of href and src itself."""
    if tag == "a":
        if name == "class":
            return set(value.split()) <= _LINK_CLASSES
        return name in {"href", "title", "rel"}
    if tag == "img":
        return name in {"src", "alt", "title"}
    if tag in {"th", "td"}:
        return name == "align" and value in {"left", "center", "right"}
    if tag == "code":
        return name == "class" and _CODE_CLASS_RE.fullmatch(value) is not None
    return False


class _StableOutputFilter(Filter):
    """Make the serialised HTML parse back into the same tokens (idempotence).

    * HTML parsers drop one newline right after ``<pre>``; re-add it.
    * bleach keeps entities in attribute values as written and protects them
      only in double-quoted values, but values containing '"' get single
      quotes, and each pass would turn "&amp;" into "&amp;amp;".  Writing '"'
      as "&quot;" keeps every value double-quoted.
    """

    def __iter__(self) -> Iterator[dict[str, Any]]:
        after_pre = False
        for token in super().__iter__():
            if after_pre and token["type"] in ("Characters", "SpaceCharacters"):
                if token["data"].startswith("\n"):
                    token = {**token, "data": "\n" + token["data"]}
            if token["type"] in ("StartTag", "EmptyTag") and token["data"]:
                token["data"] = {k: v.replace('"', "&quot;") for k, v in token["data"].items()}
            after_pre = token["type"] == "StartTag" and token["name"] == "pre"
            yield token


def _cleaner(filters: list[Any]) -> bleach.Cleaner:
    return bleach.Cleaner(
        tags=ALLOWED_TAGS,
        attributes=_allow_attribute,
        protocols=ALLOWED_PROTOCOLS,
        strip=True,
        strip_comments=True,
        filters=[*filters, _StableOutputFilter],
    )


def _settle(cleaned: str) -> str:
    """Re-sanitise until nothing changes.

    Stripping a disallowed element can leave its children where a parser would
    not put them (an <li> directly inside an <li>), so the next parse builds a
    different tree.  Two passes settle nearly everything; HTML that does not
    settle is reduced to its escaped text.
    """
    cleaner = _cleaner([])
    for _ in range(_MAX_PASSES):
        again = cleaner.clean(cleaned)
        if again == cleaned:
            return cleaned
        cleaned = again
    return bleach.Cleaner(tags=(), strip=True, strip_comments=True).clean(cleaned)


def sanitize(html_text: str) -> str:
    """Clean HTML with the allow-list; idempotent: ``sanitize(sanitize(x)) == sanitize(x)``."""
    return _settle(_cleaner([]).clean(html_text))


def _link_attrs(attrs: dict[Any, str], new: bool = False) -> dict[Any, str] | None:
    """Linkify callback: every link gets rel and loses user classes; no href -> text."""
    if not attrs.get((None, "href")):
        return None  # e.g. the sanitiser removed a javascript: href
    attrs.pop((None, "class"), None)
    attrs[(None, "rel")] = LINK_REL
    return attrs


def _link(href: str, css: str, label: str) -> list[dict[str, Any]]:
    data = {(None, "class"): css, (None, "href"): href, (None, "rel"): LINK_REL}
    return [
        {"type": "StartTag", "name": "a", "namespace": None, "data": data},
        {"type": "Characters", "data": label},
        {"type": "EndTag", "name": "a", "namespace": None},
    ]


class _Linker:
    """Turns @mentions, #tags and [[links]] in text into link tokens and collects them."""

    def __init__(
        self,
        user_exists: Callable[[str], bool],
        page_exists: Callable[[str], bool],
        max_mentions: int,
    ) -> None:
        self.user_exists = user_exists
        self.page_exists = page_exists
        self.max_mentions = max(max_mentions, 0)
        # The resolvers may query the database: each name is asked about once,
        # and only a bounded number of usernames, whatever the post contains.
        self.lookups_left = 4 * self.max_mentions
        self.known_users: dict[str, bool] = {}
        self.known_pages: dict[str, bool] = {}
        self.mentions: dict[str, None] = {}
        self.tags: dict[str, None] = {}
        self.links: dict[str, None] = {}

    def _mentionable(self, name: str) -> bool:
        if name in self.mentions:
            return True
        if len(self.mentions) >= self.max_mentions:
            return False
        if name not in self.known_users:
            if self.lookups_left <= 0:
                return False
            self.lookups_left -= 1
            self.known_users[name] = bool(self.user_exists(name))
        return self.known_users[name]

    def _replace(self, match: re.Match[str]) -> tuple[list[dict[str, Any]], int] | None:
        """Tokens for one match and the end of the text they replace, or None."""
        if target := match.group("target"):
            path = wiki_path_for(target)
            if not path:
                return None
            if path not in self.known_pages:
                self.known_pages[path] = bool(self.page_exists(path))
            self.links.setdefault(path)
            label = (match.group("label") or target).strip() or target
            href = "/wiki/" + quote(path, safe="/")
            if self.known_pages[path]:
                return _link(href, "wikilink", label), match.end()
            return _link(href + "/edit", "wikilink missing", label), match.end()
        if raw := match.group("user"):
            name = raw.rstrip(".-")
            key = normalize_username(name)
            if len(name) > _MAX_NAME_LENGTH or not self._mentionable(key):
                return None
            self.mentions.setdefault(key)
            href = "/u/" + quote(key, safe="")
            return _link(href, "mention", "@" + name), match.start() + 1 + len(name)
        name = _tag_name(match.group("tag"))
        if name is None:
            return None
        key = normalize_tag(name)
        self.tags.setdefault(key)
        href = "/tags/" + quote(key, safe="")
        return _link(href, "tag", "#" + name), match.start() + 1 + len(name)

    def tokens(self, text: str) -> list[dict[str, Any]] | None:
        """Tokens for ``text`` with its links, or None if there is nothing to link."""
        out: list[dict[str, Any]] = []
        done = 0
        for match in _TOKEN_RE.finditer(text):
            if (replaced := self._replace(match)) is None:
                continue
            if match.start() > done:
                out.append({"type": "Characters", "data": text[done : match.start()]})
            out.extend(replaced[0])
            done = replaced[1]
        if out and done < len(text):
            out.append({"type": "Characters", "data": text[done:]})
        return out or None


class _SchwarmLinkFilter(Filter):
    """Applies a :class:`_Linker` to the text outside ``a``, ``code`` and ``pre``."""

    def __init__(self, source: Any, linker: _Linker) -> None:
        super().__init__(source)
        self.linker = linker

    def __iter__(self) -> Iterator[dict[str, Any]]:
        inside = 0  # depth of a/code/pre elements around the current token
        run: list[dict[str, Any]] = []  # adjacent text tokens (entities split text)
        for token in super().__iter__():
            if token["type"] in _TEXT_TOKENS:
                run.append(token)
                continue
            yield from self._flush(run, inside)
            run = []
            if token.get("name") in ("a", "code", "pre"):
                inside += {"StartTag": 1, "EndTag": -1}.get(token["type"], 0)
            yield token
        yield from self._flush(run, inside)

    def _flush(self, run: list[dict[str, Any]], inside: int) -> list[dict[str, Any]]:
        if not run or inside:
            return run
        text = "".join(
            html.unescape(f"&{t['name']};") if t["type"] == "Entity" else t["data"] for t in run
        )
        return self.linker.tokens(text) or run  # untouched text keeps its entities


def _bounded_get_text(data: str, index: int) -> tuple[str, int, bool]:
    """``LinkInlineProcessor.getText`` (find the ']' matching a '['), bounded."""
    end = min(len(data), index + _SCAN_LIMIT)
    if "]" not in data[index:end]:
        return "", index, False
    depth = 1
    for match in _BRACKET_RE.finditer(data, index, end):
        depth += 1 if match.group() == "[" else -1
        if depth == 0:
            return data[index : match.start()], match.end(), True
        if depth > _MAX_BRACKET_DEPTH:
            break
    return "", index, False


def _bounded_get_link(
    get_link: Callable[[str, int], tuple[str, str | None, int, bool]], data: str, index: int
) -> tuple[str, str | None, int, bool]:
    """Run the original ``getLink`` (parse '(url "title")') on a bounded window."""
    window = data[index : index + _SCAN_LIMIT]
    if ")" not in window:
        return "", None, index, False
    depth = 0
    for match in _PAREN_RE.finditer(window):
        depth += 1 if match.group() == "(" else -1
        if depth <= 0:
            break
        if depth > _MAX_BRACKET_DEPTH:
            window = window[: match.start()]
            break
    href, title, end, handled = get_link(window, 0)
    return href, title, index + end, handled


class _EscapeUnclosedTags(Preprocessor):
    """Escape every '<' with no '>' within reach: it cannot start a tag anyway."""

    def run(self, lines: list[str]) -> list[str]:
        text = "\n".join(lines)
        parts = []
        done = 0
        for match in re.finditer("<", text):
            if text.find(">", match.start(), match.start() + _SCAN_LIMIT) == -1:
                parts += [text[done : match.start()], _ESCAPED_LT]
                done = match.end()
        return lines if not parts else "".join([*parts, text[done:]]).split("\n")


class _SchwarmMarkdown(Extension):
    """python-markdown adjusted for hashtags and hostile input.

    * ``#word`` at the start of a line is a tag and ``# Title`` a heading;
      python-markdown, unlike CommonMark, needs no space after the hashes and
      would turn every post that starts with a hashtag into an <h1>.
    * Scans for links, images, references and raw HTML tags are bounded.
    """

    class _Headings(HashHeaderProcessor):
        RE = re.compile(
            r"(?:^|\n)(?P<level>#{1,6}+)(?![^\s#])"
            r"(?P<header>(?:\\.|[^\\#]|#+(?=[^#\n]))*?)#*(?:\n|$)"
        )

    def extendMarkdown(self, md: markdown.Markdown) -> None:  # noqa: N802 (API name)
        md.parser.blockprocessors.register(self._Headings(md.parser), "hashheader", 70)
        # After fenced code (25) is stashed away, before raw HTML (20) is parsed.
        md.preprocessors.register(_EscapeUnclosedTags(md), "escape_unclosed_tags", 22)
        for name in _LINK_PROCESSORS.split():
            processor: Any = md.inlinePatterns[name]
            processor.getText = _bounded_get_text
            processor.getLink = partial(_bounded_get_link, processor.getLink)


def _too_deep(html_text: str) -> bool:
    """Whether elements nest deeper than ``_MAX_DEPTH``, roughly counted from the tags."""
    depth = 0
    for match in _OPEN_OR_CLOSE_RE.finditer(html_text):
        if match.group(2).lower() not in _NOT_NESTING:
            depth += -1 if match.group(1) else 1
            if depth > _MAX_DEPTH:
                return True
    return False


_converters = threading.local()


def _converter() -> markdown.Markdown:
    """This thread's Markdown converter, reset for each text.

    Building one (extensions, processors, patterns) cost more than converting a
    typical post; ``reset()`` clears what a conversion leaves behind (stashed
    HTML, link references, extension state).
    """
    md = getattr(_converters, "md", None)
    if md is None:
        md = markdown.Markdown(
            extensions=["fenced_code", "tables", "sane_lists", _SchwarmMarkdown()],
            # align="..." survives the sanitiser; style="text-align: ..." would not.
            extension_configs={"tables": {"use_align_attribute": True}},
            output_format="html",
        )
        _converters.md = md
    return md.reset()


def _markdown_to_html(text: str) -> str:
    md = _converter()
    try:
        # Placeholders left in code and raw HTML sit in text or attribute values.
        converted = md.convert(text).replace(_ESCAPED_LT, "&lt;")
        if not _too_deep(converted):
            return converted
    except RecursionError:
        # python-markdown recurses once per nesting level: '- ' * 1000. The
        # converter may be left mid-way; the next text gets a new one.
        _converters.md = None
    except BaseException:
        _converters.md = None
        raise
    # Too deeply nested to render: show the source instead of failing.
    return "<pre>" + html.escape(text, quote=False) + "</pre>"


def render(
    text: str,
    *,
    user_exists: Callable[[str], bool] = lambda u: False,
    page_exists: Callable[[str], bool] = lambda p: True,
    max_mentions: int = 50,
) -> Rendered:
    """Render Markdown to sanitised HTML with Schwarm links, and report the links.

    ``user_exists`` gets normalised usernames; only existing users are linked
    and reported, at most ``max_mentions`` distinct ones.  ``page_exists`` gets
    wiki paths; links to missing pages point at their edit form.
    """
    # NFC first, so that decomposed umlauts (macOS input) count as letters.
    source = unicodedata.normalize("NFC", text)
    linker = _Linker(user_exists, page_exists, max_mentions)
    autolink = partial(
        LinkifyFilter, callbacks=[_link_attrs], skip_tags={"pre", "code"}, url_re=_URL_RE
    )
    cleaned = _cleaner([autolink, partial(_SchwarmLinkFilter, linker=linker)]).clean(
        _markdown_to_html(source)
    )
    if _RAW_HTML_RE.search(source):
        cleaned = _settle(cleaned)  # Markdown's own output is well-formed
    return Rendered(
        html=cleaned,
        mentions=tuple(linker.mentions),
        tags=tuple(linker.tags),
        links=tuple(linker.links),
    )


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCK_TAGS:
            self.parts.append(" ")  # "<p>a</p><p>b</p>" is "a b", not "ab"

    def handle_endtag(self, tag: str) -> None:
        self.handle_starttag(tag, [])


def plain_text(text: str) -> str:
    """Markdown source -> one line of plain text for snippets, search and feeds.

    The result is *not* HTML: escape it before putting it into a page.
    """
    return html_text(render(text).html)


def html_text(html: str) -> str:
    """Stored, sanitised HTML (a ``*_html`` column) -> one line of plain text.

    Same result as :func:`plain_text` of the Markdown it was rendered from, at a
    fraction of the cost (indexing reads the cached HTML instead of rendering).
    """
    extractor = _TextExtractor()
    extractor.feed(html)
    extractor.close()
    return " ".join("".join(extractor.parts).split())
