"""Unit tests of diffs: unified text, word-level rows, caps for pathological inputs."""

from __future__ import annotations

import difflib

from wiki import diffing
from wiki.diffing import Segment, diff_rows, unified


def test_unified_matches_difflib_for_ordinary_text():
    old = "".join(f"line {i}\n" for i in range(30))
    new = old.replace("line 5\n", "line five\n").replace("line 20\n", "")
    expected = "\n".join(difflib.unified_diff(old.splitlines(), new.splitlines(), "r1", "r2",
                                             lineterm="")) + "\n"
    assert unified(old, new, "r1", "r2") == expected


def test_unified_of_equal_texts_is_empty():
    assert unified("a\nb\n", "a\nb\n") == ""
    assert unified("", "") == ""


def test_unified_from_empty():
    assert unified("", "x\ny\n", "0", "1") == "--- 0\n+++ 1\n@@ -0,0 +1,2 @@\n+x\n+y\n"


def test_word_level_highlights_in_changed_lines():
    result = diff_rows("Connect to the VPN first.\n", "Connect to the new VPN gateway first.\n")
    (row,) = result.rows
    assert row.kind == "change" and row.old_no == 1 and row.new_no == 1
    assert Segment("new ", True) in row.new or any(
        s.changed and "new" in s.text for s in row.new)
    assert all(not s.changed for s in row.old if "Connect" in s.text)
    assert "".join(s.text for s in row.old) == "Connect to the VPN first."
    assert "".join(s.text for s in row.new) == "Connect to the new VPN gateway first."
    assert result.added == 1 and result.removed == 1


def test_context_and_skips():
    old = "".join(f"{i}\n" for i in range(100))
    new = old.replace("50\n", "fifty\n")
    result = diff_rows(old, new)
    kinds = [r.kind for r in result.rows]
    assert kinds == ["skip", "equal", "equal", "equal", "change", "equal", "equal", "equal",
                     "skip"]
    assert result.rows[0].skipped == 47 and result.rows[-1].skipped == 46


def test_inserts_and_deletes():
    result = diff_rows("a\nb\n", "a\nc\nd\n")
    kinds = [(r.kind, r.old_no, r.new_no) for r in result.rows]
    assert kinds == [("equal", 1, 1), ("change", 2, 2), ("insert", None, 3)]


def test_large_rewrites_are_shown_as_replacement_not_matched():
    old = "".join(f"old {i}\n" for i in range(diffing.MAX_MATCH_LINES + 10))
    new = "".join(f"new {i}\n" for i in range(diffing.MAX_MATCH_LINES + 10))
    result = diff_rows(old, new)
    assert result.approximate and result.truncated
    assert len(result.rows) == diffing.MAX_ROWS
    text = unified(old, new)
    assert text.count("\n-old") == diffing.MAX_MATCH_LINES + 10


def test_one_change_in_a_huge_page_compares_only_the_middle():
    old = "".join(f"line {i}\n" for i in range(200_000))
    new = old.replace("line 100000\n", "changed\n")
    ops, approximate = diffing.opcodes(old.splitlines(), new.splitlines())
    assert not approximate
    assert [op[0] for op in ops] == ["equal", "replace", "equal"]


def test_very_long_lines_are_highlighted_whole():
    old, new = "a " * 5000 + "\n", "b " * 5000 + "\n"
    (row,) = diff_rows(old, new).rows
    assert row.old == (Segment(old.rstrip("\n"), True),)


def test_long_changed_middles_are_highlighted_whole_but_keep_common_words():
    old = "start " + "word " * 400 + "end\n"
    new = "start " + "x " * 400 + "end\n"
    (row,) = diff_rows(old, new).rows
    assert row.old == (Segment("start "), Segment("word " * 399 + "word", True), Segment(" end"))
    assert row.new == (Segment("start "), Segment("x " * 399 + "x", True), Segment(" end"))


def test_word_budget_bounds_word_matching():
    # Repetitive lines are what makes difflib slow; each pair is within the token cap,
    # so only the budget stops word matching after a while.
    lines = ["word " * 50 + str(i) + " tail" for i in range(2000)]
    old = "\n".join(lines) + "\n"
    new = "\n".join("x " * 50 + str(i) + " tail" for i in range(2000)) + "\n"
    rows = [r for r in diff_rows(old, new).rows if r.kind == "change"]
    matched = [r for r in rows if len(r.old) > 3]
    whole = [r for r in rows if len(r.old) <= 3]
    assert matched and whole
