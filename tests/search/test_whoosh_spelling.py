"""Did-you-mean candidates of the Whoosh backend: the words and their order must
be what Whoosh's own corrector gives (one edit away first, then two; most
frequent first), over several segments."""

from __future__ import annotations

import random

from search import whoosh_spelling


def whoosh_corrections(searcher, word: str, limit: int) -> list[str]:
    """The ranking the backend asked of Whoosh's corrector before."""
    corrector = searcher.corrector("spell")
    found: list[str] = []
    for distance in (1, 2):
        for candidate in corrector.suggest(word, limit=limit, maxdist=distance, prefix=1):
            if candidate not in found and candidate != word:
                found.append(candidate)
    return found[:limit]


def test_corrections_equal_whoosh_corrector(tmp_path):
    from whoosh.analysis import LowercaseFilter, RegexTokenizer
    from whoosh.fields import ID, TEXT, Schema
    from whoosh.filedb.filestore import FileStorage
    from whoosh.writing import NO_MERGE

    rng = random.Random(8)
    stems = ["kunde", "projekt", "rechnung", "wissen", "qualität", "management", "straße"]
    words = set(stems)
    for stem in stems:  # misspellings at one and two edits, each a word of its own
        for _ in range(12):
            chars = list(stem)
            for _ in range(rng.choice([1, 2])):
                at = rng.randrange(1, len(chars))
                chars[at] = rng.choice("aeiounrstäß")
            words.add("".join(chars))
    words = sorted(words)
    schema = Schema(key=ID(stored=True), spell=TEXT(
        analyzer=RegexTokenizer(r"[^\W\d_]{3,30}") | LowercaseFilter(), phrase=False))
    ix = FileStorage(str(tmp_path)).create().create_index(schema)
    for segment in range(3):
        with ix.writer(mergetype=NO_MERGE) as writer:
            for n in range(60):
                text = " ".join(rng.choice(words) for _ in range(rng.randint(1, 8)))
                writer.add_document(key=f"{segment}-{n}", spell=text)
    queries = [*stems, "kundne", "projetk", "qualitat", "managment", "strasse", "zzzz", "ku"]
    with ix.searcher() as searcher:
        assert len(searcher.leaf_searchers()) == 3
        for query in queries:
            for limit in (1, 5, 20):
                assert whoosh_spelling.corrections(searcher, "spell", query, limit) \
                    == whoosh_corrections(searcher, query, limit), (query, limit)
        assert whoosh_spelling.corrections(searcher, "spell", "kundne", 5)[0] == "kunde"
