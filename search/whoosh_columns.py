"""Per-segment columns of the Whoosh index as numpy arrays, kept beside the segment.

Facets, the permission scope and date order need each document's type,
group, author, tags and creation time. Whoosh reads its columns one value at
a time in Python: about 3 seconds for the segments of 100,000 documents (and
ten times that at a million), paid by the first search of every worker process
after each start and after every merge that makes a large segment.

So the arrays are computed once per segment and written beside it as
``<segment id>.columns.npz``; every later process loads them in milliseconds.
Segments never change (deletions are kept apart), so the file never goes
stale, and its name follows Whoosh's segment file pattern, so Whoosh deletes
it with the segment's own files when a merge retires the segment. A file that
cannot be read or does not match the segment is computed again; where the
folder cannot be written (or the storage is not a folder) the arrays are kept
in memory only. The indexer writes the files for the segments it makes
(:func:`prepare`), so a web worker never pays for them.

In memory, the arrays of the live segments are kept per process
(:func:`forget` drops the others).
"""

from __future__ import annotations

import logging
import os
import threading
import zipfile
from collections.abc import Iterable
from itertools import chain
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

FORMAT = 2  # 2: with the tag trie
SUFFIX = ".columns.npz"
FACETS = ("type", "group", "author", "tag")
# Below this many documents, computing is as fast as reading a file.
PERSIST_FROM = 5_000

_lock = threading.Lock()
_columns: dict[str, dict] = {}


def columns(reader) -> dict:
    """The arrays of a segment: ``<facet>_codes`` as (distinct values, code per
    entry) for type, group, author and tag (with ``tag_docs``, the document of
    each tag entry), ``created_array`` (creation time per document) and
    ``newest_array`` (documents newest first; equal times in docnum order),
    and the sets of tags as a trie (:func:`tag_trie`).
    Others may add derived arrays to the dict (it is this process's cache)."""
    segment_id = reader.segment().segment_id()
    found = _columns.get(segment_id)
    if found is None:
        found = _load(reader) or _compute_and_keep(reader)
        with _lock:
            found = _columns.setdefault(segment_id, found)
    return found


def prepare(readers: Iterable) -> int:
    """Write the column files of large segments that have none (the indexer calls
    this after a commit); returns how many were written."""
    written = 0
    for reader in readers:
        path = _path(reader)
        if (path is not None and reader.doc_count_all() >= PERSIST_FROM
                and not _is_current(path)):
            _write(path, _compute(reader))
            written += 1
    return written


def _is_current(path: Path) -> bool:
    """Whether the file exists in this format (read lazily: the format only), so an
    upgrade's indexer writes the files again instead of every worker computing them."""
    try:
        with open(path, "rb") as raw, np.load(raw, allow_pickle=False) as stored:
            return int(stored["format"][0]) == FORMAT
    except (OSError, EOFError, ValueError, KeyError, zipfile.BadZipFile):
        return False


def forget(keep: Iterable[str]) -> None:
    """Drop the arrays of segments that are no longer live."""
    keep = set(keep)
    with _lock:
        for segment_id in [s for s in _columns if s not in keep]:
            del _columns[segment_id]


def segment_file(reader, suffix: str) -> Path | None:
    """``<folder>/<segment id><suffix>`` beside a segment's own files (a name
    Whoosh deletes with the segment), or None if the index is not in a folder."""
    storage = reader.storage()
    storage = getattr(storage, "b", storage)  # a compound segment overlays its folder
    folder = getattr(storage, "folder", None)
    if not folder:
        return None
    return Path(folder) / (reader.segment().segment_id() + suffix)


def _path(reader) -> Path | None:
    return segment_file(reader, SUFFIX)


def _compute(reader) -> dict:
    shared: dict[str, str] = {}

    def read(name: str) -> list[str]:
        return [shared.setdefault(v, v) for v in reader.column_reader(name)]

    created = np.fromiter(reader.column_reader("created_at", translate=False),
                          dtype=np.int64, count=reader.doc_count_all())
    tags = [v.split(",") if v else () for v in read("tagset")]
    found = {
        "created_array": created,
        # newest first; equal times in ascending docnum order
        "newest_array": np.argsort(-created, kind="stable"),
        "type_codes": _codes(read("type")),
        "group_codes": _codes(read("group")),
        "author_codes": _codes(read("author")),
        "tag_codes": _codes(list(chain.from_iterable(tags))),
        "tag_docs": np.repeat(np.arange(len(created), dtype=np.int64),
                              [len(each) for each in tags]),
    }
    found.update(tag_trie(found["tag_docs"], found["tag_codes"][1], len(created)))
    return found


TRIE = ("tag_doc_node", "tag_node_parent", "tag_node_code", "tag_levels")


def tag_trie(tag_docs: np.ndarray, codes: np.ndarray, size: int) -> dict[str, np.ndarray]:
    """The documents' sets of tags as a trie, so tags are counted per set, not per entry.

    Each document's tag codes, in ascending order, are a path from the root
    (node 0: no tags); ``tag_doc_node`` is the node where a document's path
    ends, ``tag_node_parent`` and ``tag_node_code`` each node's parent and tag
    code, ``tag_levels`` where each depth's nodes start (children come after
    their parents). A segment has far fewer distinct sets than documents, so
    counting the tags of any set of documents takes one pass over their nodes
    (:func:`search.whoosh_sets.facet_counts`).
    """
    order = np.lexsort((codes, tag_docs))
    values = codes[order].astype(np.int64)
    per_doc = np.bincount(tag_docs, minlength=size)
    starts = np.concatenate(([0], np.cumsum(per_doc)))[:size]
    base = int(values.max()) + 1 if len(values) else 1
    doc_node = np.zeros(size, dtype=np.int64)
    parents, node_codes, levels = [np.array([-1])], [np.array([-1])], [0, 1]
    depth = 0
    while len(having := np.flatnonzero(per_doc > depth)):
        # a node is (parent node, code): parent ids stay below 2**31, codes too
        key = doc_node[having] * base + values[starts[having] + depth]
        nodes, inverse = np.unique(key, return_inverse=True)
        parents.append(nodes // base)
        node_codes.append(nodes % base)
        doc_node[having] = levels[-1] + inverse
        levels.append(levels[-1] + len(nodes))
        depth += 1
    return {"tag_doc_node": doc_node.astype(np.int32),
            "tag_node_parent": np.concatenate(parents).astype(np.int32),
            "tag_node_code": np.concatenate(node_codes).astype(np.int32),
            "tag_levels": np.array(levels, dtype=np.int64)}


def _codes(values: list[str]) -> tuple[list[str], np.ndarray]:
    """(distinct values, code of each entry): what ``np.bincount`` counts."""
    index: dict[str, int] = {}
    codes = np.fromiter((index.setdefault(v, len(index)) for v in values), dtype=np.int32,
                        count=len(values))
    return list(index), codes


def _compute_and_keep(reader) -> dict:
    found = _compute(reader)
    path = _path(reader)
    if path is not None and reader.doc_count_all() >= PERSIST_FROM:
        _write(path, found)
    return found


def _write(path: Path, found: dict) -> None:
    arrays = {"format": np.array([FORMAT]),
              "created_array": found["created_array"], "newest_array": found["newest_array"],
              "tag_docs": found["tag_docs"], **{name: found[name] for name in TRIE}}
    for facet in FACETS:
        values, codes = found[f"{facet}_codes"]
        arrays[f"{facet}_values"] = np.array(values, dtype=np.str_)
        arrays[f"{facet}_codes"] = codes
    # a name of the segment's pattern, so that Whoosh removes a leftover too
    partial = path.with_name(f"{path.name}.{os.getpid()}.{threading.get_ident()}.part")
    try:
        with open(partial, "wb") as out:
            np.savez(out, **arrays)
        os.replace(partial, path)  # readers see the whole file or none
    except OSError as error:
        log.warning("search: column file %s not written: %s", path, error)
        partial.unlink(missing_ok=True)


def _load(reader) -> dict | None:
    path = _path(reader)
    if path is None or not path.exists():
        return None
    try:
        # our own file object: np.load leaves its own open when the file is damaged
        with open(path, "rb") as raw, np.load(raw, allow_pickle=False) as stored:
            arrays = {name: stored[name] for name in stored.files}
    except (OSError, EOFError, ValueError, KeyError, zipfile.BadZipFile) as error:
        log.warning("search: column file %s unreadable, computed again: %s", path, error)
        return None
    size = reader.doc_count_all()
    if (arrays.get("format", [None])[0] != FORMAT or len(arrays["created_array"]) != size
            or any(f"{facet}_codes" not in arrays for facet in FACETS)
            or any(name not in arrays for name in TRIE)):
        return None
    found = {name: arrays[name]
             for name in ("created_array", "newest_array", "tag_docs", *TRIE)}
    for facet in FACETS:
        found[f"{facet}_codes"] = (arrays[f"{facet}_values"].tolist(),
                                   arrays[f"{facet}_codes"])
    return found
