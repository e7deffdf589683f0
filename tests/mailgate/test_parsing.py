"""Reading mail: ids, threads by subject, quoted tails, charsets, hostile HTML."""

from __future__ import annotations

import time

import pytest

from mailgate.parsing import (
    Malformed,
    normalize_message_id,
    parse_mail,
    strip_quoted_tail,
    thread_subject,
)


@pytest.mark.parametrize("subject, expected", [
    ("Re: Price list", "price list"),
    ("AW: WG: Re: Price  list", "price list"),
    ("[sales] Re[2]: Price list", "price list"),
    ("Fwd: price LIST", "price list"),
    ("Reply needed", "reply needed"),
])
def test_thread_subjects_ignore_reply_prefixes(subject, expected):
    assert thread_subject(subject) == expected


def test_message_ids_are_normalised_and_long_ones_hashed():
    assert normalize_message_id("  <abc@host>  ") == "abc@host"
    assert normalize_message_id("") is None
    long_id = normalize_message_id("<" + "a" * 600 + "@host>")
    assert long_id.startswith("sha256:") and len(long_id) < 255


def test_quoted_tails_are_cut_from_replies():
    text = "Yes, Friday.\n\nAm 2. März 2015 schrieb Ben:\n> Friday?\n>\n> Ben\n"
    assert strip_quoted_tail(text) == "Yes, Friday."
    # Inline quoting with answers in between is kept as written.
    inline = "> Friday?\nYes.\n> Where?\nHere."
    assert strip_quoted_tail(inline) == inline
    # A reply that is only a quote keeps the quote rather than becoming empty.
    assert strip_quoted_tail("> only a quote") == "> only a quote"


def test_a_message_without_message_id_is_identified_by_its_content():
    raw = b"From: a@example.com\nSubject: x\n\nbody\n"
    assert parse_mail(raw).message_id == parse_mail(raw).message_id
    assert parse_mail(raw).message_id != parse_mail(raw + b"more\n").message_id


def test_the_date_is_utc_and_required_only_when_asked():
    raw = b"From: a@example.com\nDate: Mon, 2 Mar 2015 10:00:00 +0100\n\nx\n"
    assert parse_mail(raw, require_date=True).date.isoformat() == "2015-03-02T09:00:00+00:00"
    undated = b"From: a@example.com\n\nx\n"
    assert parse_mail(undated).date is None
    with pytest.raises(Malformed, match="Date"):
        parse_mail(undated, require_date=True)


def test_deeply_nested_html_finishes_quickly_and_never_crashes():
    html = "<div>" * 5000 + "deep" + "</div>" * 5000
    raw = (b"From: a@example.com\nContent-Type: text/html; charset=utf-8\n\n"
           + html.encode())
    started = time.monotonic()
    try:
        mail = parse_mail(raw)
    except Malformed:
        pass  # refused with a reason is fine; a crash or a hang is not
    else:
        assert "deep" in mail.text
    assert time.monotonic() - started < 5


def test_nul_bytes_and_control_characters_are_dropped():
    raw = b"From: a@example.com\nSubject: a\x07b\n\nline\x00one\x1b[31m\n"
    mail = parse_mail(raw)
    assert mail.subject == "ab"
    assert mail.text == "lineone[31m"


def test_encoded_and_raw_8bit_headers_are_decoded():
    encoded = (b"From: =?utf-8?q?J=C3=BCrgen_M=C3=BCller?= <jm@example.com>\n"
               b"Subject: =?iso-8859-1?q?Gr=FC=DFe?= aus Wien\n\nx\n")
    mail = parse_mail(encoded)
    assert (mail.sender_name, mail.sender_address) == ("Jürgen Müller", "jm@example.com")
    assert mail.subject == "Grüße aus Wien"
    raw_latin1 = b"From: J\xfcrgen <jm@example.com>\nSubject: Gr\xfc\xdfe\n\nx\n"
    mail = parse_mail(raw_latin1)
    assert (mail.sender_name, mail.subject) == ("Jürgen", "Grüße")
    broken = b"From: a@example.com\nSubject: =?x-nothing?q?abc?=\n\nx\n"
    assert parse_mail(broken).subject == "=?x-nothing?q?abc?="


def test_folded_references_are_all_read():
    raw = (b"From: a@example.com\nIn-Reply-To: <c@x>\nReferences: <a@x>\n <b@x>\n\t<c@x>\n"
           b"\nx\n")
    assert parse_mail(raw).references == ["c@x", "b@x", "a@x"]
