"""Unit tests of the wiki's pure logic: paths, bodies, merge, headings (no app needed)."""

from __future__ import annotations

import pytest

from wiki import storage
from wiki.storage import InvalidPath, merge, merge_title, normalize_body, normalize_path


@pytest.mark.parametrize("raw, expected", [
    ("sales/onboarding/checklist", "sales/onboarding/checklist"),
    ("Sales/Onboarding Guide", "sales/onboarding-guide"),
    ("Straße/Übersicht", "strasse/übersicht"),
    ("a/b.c", "a/b-c"),
    ("  spaced  ", "spaced"),
    ("Vertrieb/Kunden & Partner", "vertrieb/kunden-partner"),
])
def test_paths_are_canonical_like_wiki_links(raw, expected):
    assert normalize_path(raw) == expected
    assert storage.is_valid_path(expected)


@pytest.mark.parametrize("raw, message", [
    ("", "needs a path"),
    ("   ", "needs a path"),
    (None, "needs a path"),
    ("/leading", "start or end"),
    ("trailing/", "start or end"),
    ("a//b", "empty parts"),
    ("a/../b", "'.' or '..'"),
    ("..", "'.' or '..'"),
    ("a/./b", "'.' or '..'"),
    ("a/\x07b", "control"),
    ("a\u200bb", "invisible"),
    ("a\u202eb", "invisible"),
    ("x" * 201, "at most 200"),
    ("a/---", "letter or digit"),
    ("a/edit", "reserved"),
    ("a/History", "reserved"),
    ("revert", "reserved"),
    ("a/revisions/3", "revisions/<number>"),
    ("recent", "reserved"),
])
def test_invalid_paths_get_a_clear_message(raw, message):
    with pytest.raises(InvalidPath) as error:
        normalize_path(raw)
    assert message in str(error.value)


def test_path_helpers():
    assert storage.parent_paths("a/b/c") == ["a", "a/b"]
    assert storage.parent_paths("a") == []
    assert storage.title_from_path("sales/onboarding-guide") == "Onboarding guide"
    assert storage.move_target("a/b", "x", "a/b") == "x"
    assert storage.move_target("a/b", "x/y", "a/b/c/d") == "x/y/c/d"
    with pytest.raises(ValueError):
        storage.move_target("a/b", "x", "a/bc")


def test_bodies_are_normalised():
    assert normalize_body("one\r\ntwo\r\n\r\n\r\n") == "one\ntwo\n"
    assert normalize_body("one\rtwo") == "one\ntwo\n"
    assert normalize_body("  \n\n") == ""
    assert normalize_body("Cafe\u0301") == "Café\n"
    assert storage.body_size("ä") == 2


BASE = "".join(f"line {i}\n" for i in range(10))


def _change(text: str, index: int, new: str) -> str:
    lines = text.splitlines(keepends=True)
    lines[index] = new + "\n"
    return "".join(lines)


def test_clean_merge_takes_both_changes():
    theirs = _change(BASE, 2, "theirs two")
    yours = _change(BASE, 6, "yours six")
    result = merge(BASE, theirs, yours)
    assert result.clean and result.conflicts == 0
    assert "theirs two\n" in result.text and "yours six\n" in result.text
    assert result.text.count("\n") == 10


def test_overlapping_edits_conflict_with_markers():
    theirs = _change(BASE, 4, "theirs four")
    yours = _change(BASE, 4, "yours four")
    result = merge(BASE, theirs, yours)
    assert not result.clean and result.text is None and result.conflicts == 1
    assert "<<<<<<< theirs" in result.marked and ">>>>>>> yours" in result.marked
    assert "theirs four" in result.marked and "yours four" in result.marked


def test_adjacent_line_edits_conflict():
    result = merge(BASE, _change(BASE, 3, "x"), _change(BASE, 4, "y"))
    assert not result.clean


def test_identical_edits_merge_once():
    both = _change(BASE, 5, "same change")
    result = merge(BASE, both, both)
    assert result.clean and result.text == both


def test_appends_at_the_end_and_start_merge():
    theirs = "new first\n" + BASE
    yours = BASE + "new last\n"
    result = merge(BASE, theirs, yours)
    assert result.text == "new first\n" + BASE + "new last\n"


def test_huge_merges_are_refused_as_conflicts_not_computed():
    big = "x\n" * (storage.MAX_MERGE_LINES + 1)
    result = merge(big, big + "a\n", big + "b\n")
    assert not result.clean and "<<<<<<<" in result.marked


def test_title_merge():
    assert merge_title("A", "A", "B") == "B"
    assert merge_title("A", "B", "A") == "B"
    assert merge_title("A", "B", "B") == "B"
    assert merge_title("A", "B", "C") is None


def test_heading_anchors_and_toc():
    html = "<h1>Intro</h1><p>x</p><h2>VPN &amp; <a href='/x'>Mail</a></h2><h2>Intro</h2><h3>…</h3>"
    anchored = storage.add_heading_anchors(html)
    assert '<h1 id="h-intro">' in anchored and '<h2 id="h-intro-2">' in anchored
    toc = storage.table_of_contents(anchored)
    assert [(h.level, h.anchor, h.text) for h in toc] == [
        (1, "h-intro", "Intro"), (2, "h-vpn-mail", "VPN & Mail"), (2, "h-intro-2", "Intro"),
        (3, "h-section", "…")]


