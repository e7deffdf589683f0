"""Parsing what people type: documented fields, phrases, exclusions, and hostile input."""

from __future__ import annotations

import pytest

from search.query import MAX_QUERY_CHARS, MAX_TERMS, QueryTooLong, analyse, clean, parse


def test_words_phrases_exclusions_and_fields(app):
    parsed = parse('Reisekosten "neue Regeln" -entwurf author:@Anna tag:#HR group:Sales '
                   'type:questions')
    assert parsed.words == ["Reisekosten"]
    assert parsed.phrases == ["neue Regeln"]
    assert parsed.excluded == ["entwurf"]
    assert parsed.filters == {"author": ["anna"], "tag": ["hr"], "group": ["sales"],
                              "type": ["question"]}
    assert parsed.text() == ('Reisekosten "neue Regeln" -entwurf author:anna tag:hr '
                             'group:sales type:question')


def test_quoted_field_values_and_repeated_fields(app):
    parsed = parse('group:"sales" type:page type:wiki type:question')
    assert parsed.filters == {"group": ["sales"], "type": ["page", "question"]}
    assert not parsed.has_text


@pytest.mark.parametrize(("text", "words"), [
    ("title:secret", ["title", "secret"]),         # unknown fields are plain words
    ("http://example.com/x", ["http", "example", "com", "x"]),
    ("Kund* ?isk (foo OR bar)", ["Kund", "isk", "foo", "OR", "bar"]),
    ("E-Mail-Adresse", ["E-Mail-Adresse"]),
    ("Mitarbeiter:innen", ["Mitarbeiter:innen"]),
    ("a\x00b\x07c\u202ed\u200be", ["a", "b", "c", "d", "e"]),
    ("-", []),
    ('"', []),
    ('""', []),
])
def test_everything_else_is_plain_words(app, text, words):
    assert parse(text).words == words


def test_unbalanced_quote_runs_to_the_end(app):
    parsed = parse('budget "zweites Quartal')
    assert parsed.words == ["budget"]
    assert parsed.phrases == ["zweites Quartal"]


def test_one_word_phrase_is_a_word_and_negated_phrase_is_words(app):
    assert parse('"Kunde"').words == ["Kunde"]
    assert parse('-"zwei Worte"').words == ["zwei", "Worte"]


def test_empty_field_values_and_unknown_types_are_ignored_with_a_notice(app):
    parsed = parse("author: tag:# type:spaceship")
    assert parsed.filters == {}
    assert any("spaceship" in notice for notice in parsed.notices)


def test_too_long_is_refused_with_a_message(app):
    parse("x" * MAX_QUERY_CHARS)
    with pytest.raises(QueryTooLong) as error:
        parse("x" * (MAX_QUERY_CHARS + 1))
    assert error.value.status == 400
    assert str(MAX_QUERY_CHARS) in error.value.message


def test_too_many_words_are_cut_with_a_notice(app):
    parsed = parse(" ".join(f"w{i}" for i in range(MAX_TERMS + 10)))
    assert len(parsed.words) == MAX_TERMS
    assert parsed.notices


def test_clean_drops_control_and_invisible_characters():
    assert clean("a\tb\n\x1bc\u2066d\ufeff") == "a b c d"


def test_analysis_drops_stop_words_of_both_languages(app):
    text = analyse(parse("der the Kunden"))
    assert [w.text for w in text.words] == ["Kunden"]
    assert text.words[0].de == "kund"
    assert analyse(parse("und the")).empty


def test_phrase_terms_per_language(app):
    text = analyse(parse('"die neuen Kunden"'))
    (phrase,) = text.phrases
    assert phrase.de == ("neu", "kund")
