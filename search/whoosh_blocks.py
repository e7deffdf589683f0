"""Reading the ids and weights of a Whoosh posting block without its values.

Whoosh 2.7 (``whoosh.codec.whoosh3``) writes a term's postings in blocks of up
to 128: the pickled tuple ``(ids, weights, values)``, zlib-compressed. For
the text fields the values are the encoded positions, about three quarters of
the block. Reading a frequent word's whole posting list for scoring
(:func:`search.whoosh_sets.term_postings`) decompressed and unpickled them
all, some 100 µs a block, only to throw the positions away.

:func:`ids_and_weights` decompresses only the head of the block (``ids``
and ``weights`` come first) and decodes those two tuples with numpy. It
knows the few pickle opcodes Whoosh's writer produces for them
(protocol 2: ``MARK``, ``BININT1``/``BININT2``/``BININT``, ``TUPLE``,
``BINPUT``, ``NONE``, ``BINFLOAT``) and returns ``None`` for anything else,
so the caller falls back to Whoosh's own reading; the tests compare both on
every shape of block.
"""

from __future__ import annotations

import zlib

import numpy as np

__all__ = ["ids_and_weights"]

_PROTO_2 = b"\x80\x02"
_MARK, _TUPLE = 0x28, 0x74
_BININT1, _BININT2, _BININT = 0x4B, 0x4D, 0x4A
_BINPUT, _LONG_BINPUT = 0x71, 0x72
_NONE, _BINFLOAT = 0x4E, 0x47
_ID_WIDTH = {_BININT1: 1, _BININT2: 2, _BININT: 4}


def ids_and_weights(data: bytes, count: int,
                    compressed: bool) -> tuple[np.ndarray, np.ndarray] | None:
    """(ascending docnums as int64, weights as float32) of one posting block.

    ``data`` is the block as stored (after its header), ``count`` the number of
    postings in it. ``None`` when the block is not in the expected form.
    """
    if count < 4:  # tuples of 1 to 3 are pickled without MARK: rare, left to Whoosh
        return None
    # proto + MARK + ids (5 bytes at most each) + TUPLE + BINPUT, then weights
    # (MARK + 9 bytes each + TUPLE + BINPUT): everything before the values
    needed = 16 + 14 * count
    try:
        head = zlib.decompressobj().decompress(data, needed) if compressed else data[:needed]
    except zlib.error:
        return None
    if head[:3] != _PROTO_2 + bytes([_MARK]):
        return None
    parsed = _ids(head, 3, count)
    if parsed is None:
        return None
    deltas, at = parsed
    at = _after_memo(head, at)
    if at is None:
        return None
    weights = _weights(head, at, count)
    if weights is None:
        return None
    return np.cumsum(deltas, dtype=np.int64), weights


def _ids(head: bytes, at: int, count: int) -> tuple[np.ndarray, int] | None:
    """The delta-coded ids at ``head[at:]`` and the offset after their TUPLE."""
    # Common case: a first id of any width, then one-byte deltas (a frequent word).
    first = _one_int(head, at)
    if first is None:
        return None
    value, at = first
    rest = count - 1
    tail = np.frombuffer(head, dtype=np.uint8, count=2 * rest, offset=at) \
        if len(head) >= at + 2 * rest + 1 else None
    if tail is not None and head[at + 2 * rest] == _TUPLE and (tail[0::2] == _BININT1).all():
        deltas = np.empty(count, dtype=np.int64)
        deltas[0] = value
        deltas[1:] = tail[1::2]
        return deltas, at + 2 * rest + 1
    values = [value]
    for _ in range(rest):
        one = _one_int(head, at)
        if one is None:
            return None
        value, at = one
        values.append(value)
    if at >= len(head) or head[at] != _TUPLE:
        return None
    return np.array(values, dtype=np.int64), at + 1


def _one_int(head: bytes, at: int) -> tuple[int, int] | None:
    if at >= len(head):
        return None
    width = _ID_WIDTH.get(head[at])
    if width is None or at + 1 + width > len(head):
        return None
    value = int.from_bytes(head[at + 1: at + 1 + width], "little", signed=width == 4)
    return value, at + 1 + width


def _after_memo(head: bytes, at: int) -> int | None:
    if at < len(head) and head[at] == _BINPUT:
        return at + 2
    if at < len(head) and head[at] == _LONG_BINPUT:
        return at + 5
    return None


def _weights(head: bytes, at: int, count: int) -> np.ndarray | None:
    if at >= len(head):
        return None
    op = head[at]
    if op == _NONE:
        return np.ones(count, dtype=np.float32)
    if op == _BINFLOAT and at + 9 <= len(head):
        weight = np.frombuffer(head, dtype=">f8", count=1, offset=at + 1)[0]
        return np.full(count, weight, dtype=np.float32)
    end = at + 1 + 9 * count
    if op != _MARK or end >= len(head) or head[end] != _TUPLE:
        return None
    raw = np.frombuffer(head, dtype=np.uint8, count=9 * count, offset=at + 1).reshape(count, 9)
    if not (raw[:, 0] == _BINFLOAT).all():
        return None
    return np.ascontiguousarray(raw[:, 1:]).view(">f8").ravel().astype(np.float32)
