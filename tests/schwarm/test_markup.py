"""Specification of schwarm.markup: Markdown -> allow-listed HTML -> Schwarm links."""

from __future__ import annotations

import ast
import dataclasses
import html
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from schwarm import markup
from schwarm.markup import (
    Rendered,
    extract_tags,
    normalize_tag,
    normalize_username,
    plain_text,
    render,
    sanitize,
    wiki_path_for,
)

USERS = {"anna", "jürgen", "ben.k"}


def users(name: str) -> bool:
    return name in USERS


class _Elements(HTMLParser):
    """Collects (tag, attrs) of every element, the way a browser would see them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, {k: v or "" for k, v in attrs}))

    handle_startendtag = handle_starttag


def elements(fragment: str) -> list[tuple[str, dict[str, str]]]:
    parser = _Elements()
    parser.feed(fragment)
    parser.close()
    return parser.elements


def links(fragment: str) -> list[dict[str, str]]:
    return [attrs for tag, attrs in elements(fragment) if tag == "a"]


def scheme(url: str) -> str:
    """The scheme a browser would use: entities decoded, whitespace/controls removed."""
    cleaned = re.sub(r"[\x00-\x20\x7f]+", "", html.unescape(url)).lower()
    match = re.match(r"([a-z][a-z0-9+.-]*):", cleaned)
    return match.group(1) if match else ""


HOSTILE = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=http://evil/x.js></SCRIPT>",
    "<style>body{display:none}</style>",
    '<iframe src="http://evil"></iframe>',
    "<svg onload=alert(1)><circle/></svg>",
    "<math><mi xlink:href='javascript:alert(1)'>x</mi></math>",
    '<img src="x" onerror="alert(1)">',
    '<p style="background:url(javascript:alert(1))" onclick="alert(1)">x</p>',
    '<a href="x',
    "<<script>>alert(1)<</script>>",
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    "<math><style><img src=x onerror=alert(1)></style></math>",
    "<pre>\n\nleading newlines</pre>",
    "<table><tr>stray<td>cell</table>",
    "<!-- comment --><b>bold</b><!--",
    "[x](javascript:alert(1))",
    "![x](javascript:alert(1))",
    "[x][1]\n\n[1]: javascript:alert(1)",
    "<javascript:alert(1)>",
    "[x](jav&#x61;script:alert(1))",
    '<a href="jav&#x61;script:alert(1)">x</a>',
    '<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;:alert(1)">x</a>',
    "[x](JaVaScRiPt:alert(1))",
    '<a href="java\tscript:alert(1)">x</a>',
    "[x](java\tscript:alert(1))",
    '<a href="   javascript:alert(1)">x</a>',
    "[x](vbscript:msgbox(1))",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    '<img src="data:image/svg+xml;base64,PHN2Zz4=">',
    '<a href="http://ok" target="_blank" class="mention">x</a>',
    "@anna #tag [[Page]] https://example.com/#frag <b>@jürgen</b>",
    "a\x00b <scr\x00ipt>",
    # Not settled by one bleach pass: quotes plus entities in attribute values,
    # children of stripped elements landing where the parser would not put them.
    "<img title='a\"&amp;b'>",
    '<img src=x"<tr> &amp;',
    "</b><li>x<table><plaintext><li>#tag<pre><svg><pre><noscript>",
    "<li>a<textarea><li>b</textarea><code>@anna</code>",
]


# --- Markdown ----------------------------------------------------------------


def test_paragraphs_emphasis_and_headings_render() -> None:
    html_out = render("# Title\n\nSome *em* and **strong** text.").html
    assert html_out == "<h1>Title</h1>\n<p>Some <em>em</em> and <strong>strong</strong> text.</p>"


def test_tables_render_with_alignment() -> None:
    html_out = render("| a | b |\n|:--|--:|\n| 1 | 2 |").html
    assert html_out.startswith('<table>\n<thead>\n<tr>\n<th align="left">a</th>')
    assert '<td align="left">1</td>\n<td align="right">2</td>' in html_out


def test_ordered_and_unordered_lists_render() -> None:
    assert render("- a\n- b").html == "<ul>\n<li>a</li>\n<li>b</li>\n</ul>"
    assert render("1. a\n2. b").html == "<ol>\n<li>a</li>\n<li>b</li>\n</ol>"


def test_fenced_code_shows_escaped_text_with_a_language_class() -> None:
    html_out = render("```python\n<script>\n```").html
    assert html_out == '<pre><code class="language-python">&lt;script&gt;\n</code></pre>'


def test_mentions_tags_and_wiki_links_are_not_linked_inside_code() -> None:
    result = render("```\n#tag @anna [[Page]]\n```\n\n`#tag @anna [[Page]]`", user_exists=users)
    assert "<a" not in result.html
    assert result.mentions == result.tags == result.links == ()


def test_a_lone_angle_bracket_is_text_in_prose_and_code() -> None:
    assert render("a <b and `x <y`").html == "<p>a &lt;b and <code>x &lt;y</code></p>"


def test_hashtag_at_line_start_is_a_tag_but_hash_space_is_a_heading() -> None:
    result = render("#release is out\n\n# Release notes")
    assert result.html.startswith('<p><a class="tag" href="/tags/release"')
    assert "<h1>Release notes</h1>" in result.html
    assert result.tags == ("release",)


# --- Sanitiser ---------------------------------------------------------------


@pytest.mark.parametrize("source", HOSTILE)
def test_output_only_contains_allow_listed_tags_attributes_and_schemes(source: str) -> None:
    for html_out in (render(source, user_exists=users).html, sanitize(source)):
        for tag, attrs in elements(html_out):
            assert tag in markup.ALLOWED_TAGS
            assert not {"style", "target"} & attrs.keys()
            assert not any(name.startswith("on") for name in attrs)
            for name in ("href", "src"):
                if name in attrs:
                    assert scheme(attrs[name]) in {"", "http", "https", "mailto"}
        lowered = html_out.lower()  # escaped text such as "&lt;script" is fine
        for needle in ("<script", "<style", "<iframe", "<svg", "<math"):
            assert needle not in lowered


@pytest.mark.parametrize("source", HOSTILE)
def test_sanitize_is_idempotent_and_render_output_is_already_sanitized(source: str) -> None:
    once = sanitize(source)
    assert sanitize(once) == once
    rendered = render(source, user_exists=users, page_exists=lambda p: p != "page").html
    assert sanitize(rendered) == rendered


def test_links_with_unsafe_schemes_keep_their_text_but_lose_the_link() -> None:
    assert render("[click](javascript:alert(1))").html == "<p>click</p>"
    assert render("[x][1]\n\n[1]: JaVaScRiPt:alert(1)").html == "<p>x</p>"


def test_images_keep_safe_sources_only() -> None:
    assert render("![cat](https://img.example/cat.png)").html == (
        '<p><img alt="cat" src="https://img.example/cat.png"></p>'
    )
    assert render("![x](javascript:alert(1))").html == '<p><img alt="x"></p>'


def test_relative_links_and_anchors_are_allowed() -> None:
    assert [a["href"] for a in links(render("[a](/wiki/x) [b](#part)").html)] == [
        "/wiki/x",
        "#part",
    ]


def test_code_class_only_allows_one_language_class() -> None:
    assert sanitize('<code class="language-js">x</code>') == '<code class="language-js">x</code>'
    assert sanitize('<code class="evil">x</code>') == "<code>x</code>"
    assert sanitize('<code class="language-js evil">x</code>') == "<code>x</code>"


def test_span_and_cell_attributes_are_restricted() -> None:
    assert sanitize('<span class="x" style="color:red">s</span>') == "<span>s</span>"
    assert sanitize('<table><tr><td align="center" width="9">c</td></tr></table>') == (
        '<table><tbody><tr><td align="center">c</td></tr></tbody></table>'
    )
    assert sanitize('<table><tr><td align="javascript">c</td></tr></table>') == (
        "<table><tbody><tr><td>c</td></tr></tbody></table>"
    )


def test_users_cannot_dress_a_link_up_as_a_mention() -> None:
    html_out = render('<a class="mention" href="/u/admin">@admin</a>').html
    assert links(html_out) == [{"href": "/u/admin", "rel": "nofollow noopener"}]


def test_every_link_gets_rel_nofollow_noopener() -> None:
    source = "[a](https://a.example) https://b.example <https://c.example> @anna #t [[P]]"
    found = links(render(source, user_exists=users).html)
    assert len(found) == 6
    assert all(a["rel"] == "nofollow noopener" for a in found)


def test_bare_http_urls_are_autolinked_but_not_domains_emails_or_code() -> None:
    html_out = render(
        "See https://example.com/a_(b). or example.com or anna@example.com `http://x.y`"
    ).html
    assert [a["href"] for a in links(html_out)] == ["https://example.com/a_(b)"]
    assert "</a>. or example.com or anna@example.com <code>http://x.y</code>" in html_out


# --- Mentions ----------------------------------------------------------------


def test_mentions_of_existing_users_are_linked_and_reported() -> None:
    result = render("Hi @Anna and @ghost.", user_exists=users)
    assert result.html == (
        '<p>Hi <a class="mention" href="/u/anna" rel="nofollow noopener">@Anna</a> and @ghost.</p>'
    )
    assert result.mentions == ("anna",)


def test_mentions_are_not_linked_without_a_resolver() -> None:
    result = render("@anna")
    assert result.html == "<p>@anna</p>" and result.mentions == ()


def test_mention_names_may_contain_dots_but_do_not_end_with_them() -> None:
    result = render("cc @ben.k. and @jürgen-", user_exists=users)
    assert result.mentions == ("ben.k", "jürgen")
    assert '>@ben.k</a>. and <a class="mention" href="/u/j%C3%BCrgen"' in result.html


def test_email_addresses_are_not_mentions() -> None:
    asked: list[str] = []
    result = render("write to anna@example.com", user_exists=lambda u: asked.append(u) or True)
    assert result.mentions == () and asked == []


def test_mentions_are_normalised_deduplicated_and_resolved_once() -> None:
    asked: list[str] = []

    def exists(name: str) -> bool:
        asked.append(name)
        return name == "anna"

    result = render("@anna @ANNA @Ａｎｎａ @bob @bob", user_exists=exists)
    assert result.mentions == ("anna",)
    assert result.html.count('class="mention"') == 3
    assert asked == ["anna", "bob"]


def test_at_most_max_mentions_distinct_users_are_linked() -> None:
    text = " ".join(f"@user{i}" for i in range(10)) + " @user0"
    result = render(text, user_exists=lambda u: True, max_mentions=3)
    assert result.mentions == ("user0", "user1", "user2")
    assert result.html.count('class="mention"') == 4  # @user0 twice


def test_the_resolver_is_asked_about_a_bounded_number_of_names() -> None:
    asked: list[str] = []
    text = " ".join(f"@nobody{i}" for i in range(1000))
    render(text, user_exists=lambda u: asked.append(u) or False, max_mentions=5)
    assert 0 < len(asked) <= 20


def test_mentions_inside_links_are_not_linked() -> None:
    html_out = render("https://mastodon.social/@anna", user_exists=users).html
    assert 'class="mention"' not in html_out


# --- Tags --------------------------------------------------------------------


def test_german_tags_are_linked_with_url_quoted_casefolded_hrefs() -> None:
    result = render("#Qualität und #Über-uns")
    assert result.html == (
        '<p><a class="tag" href="/tags/qualit%C3%A4t" rel="nofollow noopener">#Qualität</a>'
        ' und <a class="tag" href="/tags/%C3%BCber-uns" rel="nofollow noopener">#Über-uns</a></p>'
    )
    assert result.tags == ("qualität", "über-uns")


def test_tags_are_casefolded_and_deduplicated_in_order() -> None:
    assert render("#Release #release #STRASSE #Straße #b").tags == ("release", "strasse", "b")


def test_decomposed_umlauts_count_as_letters() -> None:
    assert render("#Qualita\u0308t").tags == ("qualität",)


@pytest.mark.parametrize(
    "source",
    ["#1", "issue#5", "C#", "it&#39;s", "&amp;#x", "#_x", "https://example.com/#frag", "`#code`"],
)
def test_things_that_only_look_like_tags_are_not_tags(source: str) -> None:
    result = render(source)
    assert result.tags == () and 'class="tag"' not in result.html


def test_extract_tags_uses_the_same_rules_for_plain_text() -> None:
    assert extract_tags("Release #Qualität #qualität C# #1 a#b (#Über-uns)") == [
        "qualität",
        "über-uns",
    ]


# --- Wiki links --------------------------------------------------------------


def test_wiki_links_point_at_normalised_paths() -> None:
    result = render("See [[Page Name]] and [[sales/Onboarding Guide|the guide]].")
    assert result.html == (
        '<p>See <a class="wikilink" href="/wiki/page-name" rel="nofollow noopener">Page Name</a>'
        ' and <a class="wikilink" href="/wiki/sales/onboarding-guide" rel="nofollow noopener">'
        "the guide</a>.</p>"
    )
    assert result.links == ("page-name", "sales/onboarding-guide")


def test_links_to_missing_pages_point_at_the_edit_form() -> None:
    result = render("[[Neue Seite]] [[Neue Seite]]", page_exists=lambda p: False)
    assert links(result.html)[0] == {
        "class": "wikilink missing",
        "href": "/wiki/neue-seite/edit",
        "rel": "nofollow noopener",
    }
    assert result.links == ("neue-seite",)


def test_wiki_link_labels_are_escaped_text() -> None:
    html_out = render("[[x|&lt;script&gt;alert(1)&lt;/script&gt;]] [[A & B]]").html
    assert '/wiki/x" rel="nofollow noopener">&lt;script&gt;alert(1)&lt;/script&gt;</a>' in html_out
    assert '<a class="wikilink" href="/wiki/a-b" rel="nofollow noopener">A &amp; B</a>' in html_out


def test_wiki_links_that_normalise_to_nothing_stay_text() -> None:
    result = render("[[../..]] [[ ]]")
    assert result.links == () and "<a" not in result.html


@pytest.mark.parametrize(
    ("title", "path"),
    [
        ("Page Name", "page-name"),
        ("sales/Onboarding Guide", "sales/onboarding-guide"),
        ("Über uns: Qualität!", "über-uns-qualität"),
        ("/a//b/", "a/b"),
        ("../../etc/passwd", "etc/passwd"),
        ("Snake_case  and\ttabs", "snake-case-and-tabs"),
        ("ＦＵＬＬ width", "full-width"),
        ("a\u200bb\u202ec", "a-b-c"),
    ],
)
def test_wiki_path_for(title: str, path: str) -> None:
    assert wiki_path_for(title) == path


# --- Normalisation and plain text ---------------------------------------------


def test_normalize_username_applies_nfkc_and_casefold() -> None:
    assert normalize_username("Ｊürgen") == "jürgen"
    assert normalize_username("STRASSE") == normalize_username("Straße") == "strasse"


def test_normalize_tag_strips_the_hash() -> None:
    assert normalize_tag("#Qualität") == "qualität"
    assert normalize_tag("ＲＥＬＥＡＳＥ") == "release"


def test_plain_text_strips_markup_unescapes_entities_and_collapses_whitespace() -> None:
    source = "# Title\n\nHello *world* &amp; <b>friends</b>\n\n- a\n- b\n\n<script>x</script>"
    assert plain_text(source) == "Title Hello world & friends a b x"


def test_rendered_is_immutable() -> None:
    result = render("x")
    assert isinstance(result, Rendered)
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.html = "<script>"  # type: ignore[misc]


def test_markup_imports_nothing_from_flask_or_the_database() -> None:
    tree = ast.parse(Path(markup.__file__).read_text(encoding="utf-8"))
    imported = {
        name.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for name in (
            [alias.name for alias in node.names]
            if isinstance(node, ast.Import)
            else [node.module or ""]
        )
    }
    assert imported <= {
        "__future__", "bleach", "collections", "dataclasses", "functools", "html", "markdown",
        "re", "threading", "typing", "unicodedata", "urllib",
    }  # fmt: skip


# --- Abuse: these must simply finish (the suite's runtime shows if they do not) ---


@pytest.mark.parametrize(
    "source",
    [
        " " * 100_000,
        "`" * 10_000,
        "[" * 10_000,
        "[" * 5_000 + "]" * 5_000,
        "*" * 10_000,
        "_" * 10_000,
        "[a](" * 10_000,
        "[a][" * 10_000,
        "<a " * 10_000,
        "<http://" * 10_000,
        "[[" * 50_000,
        "@" * 100_000,
        "#a" * 50_000,
        "(" * 100_000 + "http://x",
        "<blockquote>" * 5_000,
        "<ul><li>" * 1_000,
    ],
    ids=lambda s: f"{s[:12]!r}x{len(s)}",
)
def test_pathological_input_finishes_and_stays_sanitized(source: str) -> None:
    html_out = render(source).html
    assert sanitize(html_out) == html_out


def test_blockquotes_5000_deep_render() -> None:
    assert render(">" * 5_000 + " deep").html.startswith("<blockquote>")


@pytest.mark.parametrize("element", ["<blockquote>", "<div>", "<b>"])
def test_html_nested_5000_deep_falls_back_to_escaped_preformatted_text(element: str) -> None:
    source = element * 5_000 + "x"
    assert render(source).html == "<pre>" + html.escape(source, quote=False) + "</pre>"


@pytest.mark.parametrize("marker", ["- ", "1. "])
def test_lists_1000_deep_fall_back_to_escaped_preformatted_text(marker: str) -> None:
    source = marker * 1_000 + "<b>x</b>"
    assert render(source).html == "<pre>" + html.escape(source, quote=False) + "</pre>"


def test_recursion_in_markdown_falls_back_to_escaped_text(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def explode(self: object, source: str) -> str:
        raise RecursionError

    monkeypatch.setattr(markup.markdown.Markdown, "convert", explode)
    assert render("<b>#x</b>").html == "<pre>&lt;b&gt;#x&lt;/b&gt;</pre>"


def test_nothing_of_one_text_carries_over_into_the_next() -> None:
    """The converter is reused per thread: link references, stashed raw HTML and
    footnote-like state of one text must not reach the next."""
    first = render("[docs]: https://example.com/a\n\n<b>bold</b>\n\n```\ncode\n```")
    assert "<b>bold</b>" in first.html and "<code>code" in first.html
    second = render("See [the docs][docs] and [docs].")
    assert "href" not in second.html and "[the docs][docs]" in second.html
    assert render("plain").html == "<p>plain</p>"


def test_after_a_failed_conversion_the_next_text_renders(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def explode(self: object, source: str) -> str:
        raise RecursionError

    with monkeypatch.context() as patched:
        patched.setattr(markup.markdown.Markdown, "convert", explode)
        assert render("*a*").html == "<pre>*a*</pre>"
    assert render("*a*").html == "<p><em>a</em></p>"
    assert render("- " * 1_000 + "x").html.startswith("<pre>")
    assert render("**b**").html == "<p><strong>b</strong></p>"


def test_a_one_megabyte_body_renders() -> None:
    paragraph = "Text with *emphasis*, a [link](https://example.com), #tag and @anna. " * 8
    source = (paragraph + "\n\n") * (1_000_000 // (len(paragraph) + 2))
    result = render(source, user_exists=users)
    assert len(source) > 990_000
    assert result.tags == ("tag",) and result.mentions == ("anna",)
    assert result.html.count("<p>") == source.count("\n\n")


def test_html_text_of_the_stored_html_equals_plain_text_of_the_source():
    """Indexing reads the cached HTML; it must give what rendering again would."""
    source = "# A & B\n\none  \ntwo\n\n- x\n- <b>y</b> @nobody #tag [[Some Page]]"
    assert markup.html_text(markup.render(source).html) == markup.plain_text(source)
    assert markup.html_text("<h1>A &amp; B</h1><p>one<br>two</p>") == "A & B one two"
