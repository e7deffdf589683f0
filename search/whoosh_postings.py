"""The posting lists of a segment's frequent words, as numpy arrays beside the segment.

Scoring and the match sets need a word's whole posting list (ids and
weights). Whoosh keeps it in compressed blocks of 128 postings, and even
decoded with numpy (:mod:`search.whoosh_blocks`) a block costs some 40
microseconds: a word in one document of ten is 80 blocks per 100,000
documents, and the first query with it in a process paid for all of them.

So the indexer writes, for each large segment, the posting lists of its
words that are in at least :data:`FREQUENT` documents into three files beside
it: ``<segment>.postings_ids.npy`` and ``.postings_weights.npy`` (every list
one after the other) and ``.postings_terms.npz`` (which word is where).
Searches map the arrays read-only (``np.load(mmap_mode="r")``), so a
frequent word's list is a slice, shared by every process through the page
cache. The lists are the ones Whoosh's blocks hold (deleted documents
included, as in :func:`search.whoosh_sets.term_postings`); segments never
change, and the names follow Whoosh's segment file pattern, so Whoosh deletes
the files with the segment. Rare words, small segments and segments without
files are read from Whoosh's blocks as before.
"""

from __future__ import annotations

import logging
import os
import threading
import time
import zipfile
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np

from search.whoosh_columns import segment_file

log = logging.getLogger(__name__)

FREQUENT = 1_000  # documents; shorter lists are a few blocks, read quickly from Whoosh
PERSIST_FROM = 5_000  # documents in a segment
# the scored text and the titles (title matches pick candidates, see whoosh_sets)
FIELDS = ("text_de", "text_en", "title_de", "title_en")
IDS, WEIGHTS, TERMS = ".postings_ids.npy", ".postings_weights.npy", ".postings_terms.npz"
RECHECK_SECONDS = 10.0  # a segment seen without files: look again after this long

_lock = threading.Lock()
_opened: dict[str, tuple[float, _Lists | None]] = {}


class _Lists:
    def __init__(self, ids: np.ndarray, weights: np.ndarray, keys: list[str],
                 offsets: np.ndarray):
        self.ids, self.weights = ids, weights
        self.where = {key: (int(offsets[i]), int(offsets[i + 1])) for i, key in enumerate(keys)}


def _key(field: str, text: str) -> str:
    return f"{field}\x00{text}"


def lookup(reader, field: str, text: str) -> tuple[np.ndarray, np.ndarray] | None:
    """(ids, weights) of ``field:text`` from the segment's files, or None when the
    word is not in them (rare, or no files)."""
    lists = _lists(reader)
    if lists is None:
        return None
    span = lists.where.get(_key(field, text))
    if span is None:
        return None
    start, end = span
    return lists.ids[start:end], lists.weights[start:end]


def prepare(readers: Iterable, read: Callable) -> int:
    """Write the files of large segments that have none; ``read(reader, field,
    text)`` gives a word's (ids, weights) from Whoosh. Returns how many segments
    got files."""
    written = 0
    for reader in readers:
        base = _base(reader)
        if (base is None or reader.doc_count_all() < PERSIST_FROM
                or _has_fields(Path(str(base) + TERMS))):
            continue
        keys, ids, weights = [], [], []
        for field in FIELDS:
            if field not in reader.schema:
                continue
            for raw, info in reader.iter_field(field):
                if info.doc_frequency() >= FREQUENT:
                    text = raw.decode("utf-8")
                    found_ids, found_weights = read(reader, field, text)
                    keys.append(_key(field, text))
                    ids.append(found_ids)
                    weights.append(found_weights)
        offsets = np.zeros(len(keys) + 1, dtype=np.int64)
        np.cumsum([len(each) for each in ids], out=offsets[1:])
        _write(base, keys, offsets,
               np.concatenate(ids) if ids else np.zeros(0, dtype=np.int32),
               np.concatenate(weights) if weights else np.zeros(0, dtype=np.float32))
        with _lock:
            _opened.pop(reader.segment().segment_id(), None)
        written += 1
    return written


def _has_fields(terms: Path) -> bool:
    """Whether the segment's files exist and hold every field of :data:`FIELDS`
    (files written before the titles were added are written again)."""
    try:
        with open(terms, "rb") as raw, np.load(raw) as stored:
            return "fields" in stored.files and stored["fields"].tolist() == list(FIELDS)
    except (OSError, EOFError, ValueError, KeyError, zipfile.BadZipFile):
        return False


def forget(keep: Iterable[str]) -> None:
    """Close the maps of segments that are no longer live."""
    keep = set(keep)
    with _lock:
        for segment_id in [s for s in _opened if s not in keep]:
            del _opened[segment_id]


def _base(reader) -> Path | None:
    return segment_file(reader, "")


def _write(base: Path, keys: list[str], offsets: np.ndarray, ids: np.ndarray,
           weights: np.ndarray) -> None:
    """The arrays first, the terms file last: a segment has files when it exists."""
    suffix = f".{os.getpid()}.{threading.get_ident()}.part"
    parts = []
    try:
        for name, save in ((IDS, lambda out: np.save(out, ids.astype(np.int32))),
                           (WEIGHTS, lambda out: np.save(out, weights.astype(np.float32))),
                           (TERMS, lambda out: np.savez(out, keys=np.array(keys, dtype=np.str_),
                                                        offsets=offsets,
                                                        fields=np.array(FIELDS, dtype=np.str_)))):
            part = Path(str(base) + name + suffix)
            parts.append(part)
            with open(part, "wb") as out:
                save(out)
        for part in parts:
            os.replace(part, str(part)[:-len(suffix)])
    except OSError as error:
        log.warning("search: posting files of %s not written: %s", base.name, error)
        for part in parts:
            part.unlink(missing_ok=True)


def _lists(reader) -> _Lists | None:
    segment_id = reader.segment().segment_id()
    seen = _opened.get(segment_id)
    if seen is not None and (seen[1] is not None or time.monotonic() - seen[0] < RECHECK_SECONDS):
        return seen[1]
    lists = _load(reader)
    with _lock:
        _opened[segment_id] = (time.monotonic(), lists)
    return lists


def _load(reader) -> _Lists | None:
    base = _base(reader)
    if base is None or not Path(str(base) + TERMS).exists():
        return None
    try:
        with open(str(base) + TERMS, "rb") as raw, np.load(raw) as stored:
            keys, offsets = stored["keys"].tolist(), stored["offsets"]
        ids = np.load(str(base) + IDS, mmap_mode="r")
        weights = np.load(str(base) + WEIGHTS, mmap_mode="r")
    except (OSError, EOFError, ValueError, KeyError, zipfile.BadZipFile) as error:
        log.warning("search: posting files of %s unreadable: %s", base.name, error)
        return None
    if (len(offsets) != len(keys) + 1 or len(ids) != len(weights)
            or (len(offsets) and offsets[-1] != len(ids))
            or ids.dtype != np.int32 or weights.dtype != np.float32):
        log.warning("search: posting files of %s do not match, not used", base.name)
        return None
    return _Lists(ids, weights, keys, offsets)
