"""The handover of a leaver's responsibilities to a successor: a small registry.

Features register a :class:`Source` per kind of thing a person can be
responsible for (groups they own, wiki pages they look after, open questions).
The admin's handover page and the deactivation API iterate the registered
sources; the core knows no feature. A source gives

* ``items(user)``: what ``user`` is responsible for now, as :class:`Item` rows;
* ``transfer(admin, user, successor, item_ids)``: hand those items over. It runs
  inside the deactivation's one write transaction (no commit of its own),
  records one Activity per transferred item and returns the ids it handed over.
  Items the successor may not see are skipped, never exposed.

Registering a source (in the feature's ``init_app``)::

    handover.register(app, handover.Source(
        key="routed_questions", label=_l("Questions routed to them"),
        items=my_items, transfer=my_transfer))

For lists of questions, :func:`stream.handover.question_source` builds the
source from a finder alone (the successor follows each question handed over).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app

_KEY = "schwarm.handover_sources"


@dataclass(frozen=True)
class Item:
    """One thing to hand over: ``id`` is the source's own key (a slug, a number)."""

    id: str
    title: str
    url: str = ""
    note: str = ""


@dataclass(frozen=True)
class Source:
    """A kind of responsibility a leaver can hand over."""

    key: str
    label: Any  # a lazy string: shown in the viewer's language
    items: Callable[[Any], list[Item]]
    transfer: Callable[[Any, Any, Any, list[str]], list[str]]


def register(app: Flask, source: Source) -> None:
    """Add ``source`` to ``app``'s handover (once per key; the first one wins)."""
    registry: dict[str, Source] = app.extensions.setdefault(_KEY, {})
    registry.setdefault(source.key, source)


def sources(app: Flask | None = None) -> list[Source]:
    """The registered sources, in registration order (core first)."""
    return list((app or current_app).extensions.get(_KEY, {}).values())


def pending(user: Any) -> list[tuple[Source, list[Item]]]:
    """Every source with what ``user`` is responsible for (empty sources included)."""
    return [(source, source.items(user)) for source in sources()]


def hand_over(admin: Any, user: Any, successor: Any,
              selection: dict[str, list[str]] | None = None) -> dict[str, list[str]]:
    """Inside the caller's write transaction: transfer the selected items.

    ``selection`` maps a source key to item ids; None means everything. Ids
    that are not among the source's current items are ignored, so a stale or
    forged form cannot hand over what the leaver was never responsible for.
    """
    from schwarm.extensions import db

    handed: dict[str, list[str]] = {}
    for source in sources():
        current = [item.id for item in source.items(user)]
        wanted = current if selection is None else [
            item_id for item_id in current if item_id in set(selection.get(source.key, []))]
        handed[source.key] = source.transfer(admin, user, successor, wanted) if wanted else []
        db.session.flush()  # the next source sees this one's changes (e.g. new memberships)
    return handed
