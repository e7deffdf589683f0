"""Concurrent editing through the HTTP API: two clients, and 20 writers at once.

Each writer thread has its own test client inside its own app context (its
own session and connection) against the same database file / PostgreSQL
database. Nothing is ever silently overwritten: every 200 is one revision,
every refusal is a 409, revision numbers are contiguous, and every accepted
change is in the final text and in every later revision.
"""

from __future__ import annotations

import threading

from sqlalchemy import select

from schwarm.accounts.services import create_token
from schwarm.extensions import db
from wiki.models import Revision
from wiki.services import MAX_ATTEMPTS, find_page

WRITERS = 20
LINES = 3 * WRITERS + 1  # writers' lines are 3 apart: non-adjacent edits merge cleanly


def _base_text() -> str:
    return "".join(f"line {i}\n" for i in range(LINES))


def _headers(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def test_two_clients_merge_then_conflict(app, users):
    anna, ben = users.make("anna"), users.make("ben")
    _, anna_token = create_token(anna, "t")
    _, ben_token = create_token(ben, "t")
    first, second = app.test_client(), app.test_client()
    first.put("/api/v1/wiki/doc", json={"title": "Doc", "body": _base_text()},
              headers=_headers(anna_token))
    # Both open the page at revision 1.
    seen_a = first.get("/api/v1/wiki/doc", headers=_headers(anna_token)).get_json()
    seen_b = second.get("/api/v1/wiki/doc", headers=_headers(ben_token)).get_json()
    a_text = seen_a["body"].replace("line 3\n", "anna 3\n")
    b_text = seen_b["body"].replace("line 30\n", "ben 30\n")
    saved = first.put("/api/v1/wiki/doc", json={"title": "Doc", "body": a_text,
                                                "base_revision": seen_a["revision"]},
                      headers=_headers(anna_token))
    merged = second.put("/api/v1/wiki/doc", json={"title": "Doc", "body": b_text,
                                                  "base_revision": seen_b["revision"]},
                        headers=_headers(ben_token))
    assert saved.status_code == 200 and saved.get_json()["merged"] is False
    assert merged.status_code == 200 and merged.get_json()["merged"] is True
    assert "anna 3\n" in merged.get_json()["body"] and "ben 30\n" in merged.get_json()["body"]
    # Anna edits line 30 too, still based on revision 2: overlapping -> 409, her text returned.
    clash = a_text.replace("line 30\n", "anna 30\n")
    refused = first.put("/api/v1/wiki/doc", json={"title": "Doc", "body": clash,
                                                  "base_revision": 2},
                        headers=_headers(anna_token))
    assert refused.status_code == 409
    assert refused.get_json()["conflict"]["yours"] == clash
    assert refused.get_json()["current_revision"] == 3


def _run_writers(app, tokens: list[str], edits: list[tuple[int, str]]) -> list[dict]:
    """Each writer reads the page, waits for all others to have read it, then saves."""
    barrier = threading.Barrier(len(edits))
    results: list[dict] = [{} for _ in edits]

    def writer(index: int) -> None:
        line, text = edits[index]
        headers = _headers(tokens[index])
        try:
            # One app context per request, as a server has: each gets its own session.
            with app.app_context():
                seen = app.test_client().get("/api/v1/wiki/shared", headers=headers).get_json()
            lines = seen["body"].splitlines(keepends=True)
            lines[line] = text + "\n"
            barrier.wait(timeout=60)
            with app.app_context():
                response = app.test_client().put("/api/v1/wiki/shared", headers=headers, json={
                    "title": "Shared", "body": "".join(lines),
                    "base_revision": seen["revision"], "summary": f"writer {index}"})
                results[index] = {"status": response.status_code, "json": response.get_json(),
                                  "text": text}
        except Exception as error:  # reported by the assertions below
            results[index] = {"status": None, "error": repr(error)}
            barrier.abort()

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(len(edits))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    return results


def _prepare(app, users) -> list[str]:
    owner = users.make("owner")
    writers = [users.make(f"writer{i}") for i in range(WRITERS)]
    from wiki.services import save_page

    save_page(owner, "shared", title="Shared", body=_base_text())
    tokens = [create_token(user, "t")[1] for user in writers]
    # Use each token once up front, so that the concurrent part measures wiki saves.
    client = app.test_client()
    for token in tokens:
        assert client.get("/api/v1/me", headers=_headers(token)).status_code == 200
    db.session.remove()
    return tokens


def _check_history(results: list[dict]) -> list[str]:
    """Common invariants; returns the texts of the accepted changes."""
    assert all(r.get("status") in (200, 409) for r in results), results
    accepted = [r for r in results if r["status"] == 200]
    refused = [r for r in results if r["status"] == 409]
    for r in refused:
        assert r["json"]["error"]["code"] in ("edit_conflict", "busy")
        assert "current_revision" in r["json"]
    db.session.expire_all()
    page = find_page("shared")
    revisions = db.session.scalars(select(Revision).where(Revision.page_id == page.id)
                                   .order_by(Revision.number)).all()
    numbers = [r.number for r in revisions]
    assert numbers == list(range(1, len(revisions) + 1))  # contiguous
    assert len(revisions) == 1 + len(accepted)  # every 200 is exactly one revision
    assert page.current_revision == numbers[-1]
    assert sorted(r["json"]["revision"] for r in accepted) == numbers[1:]
    texts = [r["text"] for r in accepted]
    final = page.body.splitlines()
    for r in accepted:
        # In the final text, and in every revision from the one that accepted it on.
        assert r["text"] in final
        for revision in revisions[r["json"]["revision"] - 1:]:
            assert r["text"] in revision.body.splitlines()
    for r in refused:
        assert r["text"] not in final
    return texts


def test_twenty_writers_on_distinct_lines_all_merge(app, users):
    tokens = _prepare(app, users)
    edits = [(3 * i + 1, f"writer {i} was here") for i in range(WRITERS)]
    results = _run_writers(app, tokens, edits)
    texts = _check_history(results)
    # Non-overlapping edits never conflict: a save retries while others win the race,
    # and each of the other writers can win against it only once.
    assert MAX_ATTEMPTS >= WRITERS
    assert len(texts) == WRITERS
    assert sum(r["json"]["merged"] for r in results) >= 1
    final = find_page("shared").body.splitlines()
    assert all(final[line] == text for line, text in edits)


def test_twenty_writers_with_overlaps_get_merged_or_409(app, users):
    tokens = _prepare(app, users)
    # Pairs of writers change the same line differently: at most one of each pair wins.
    edits = [(3 * (i // 2) + 1, f"writer {i} on line {3 * (i // 2) + 1}") for i in range(WRITERS)]
    results = _run_writers(app, tokens, edits)
    _check_history(results)
    final = find_page("shared").body.splitlines()
    for pair in range(WRITERS // 2):
        line = 3 * pair + 1
        winners = [r for r in results[2 * pair:2 * pair + 2] if r["status"] == 200]
        assert len(winners) <= 1
        if winners:
            assert final[line] == winners[0]["text"]
        else:
            assert final[line] == f"line {line}"
    assert any(r["status"] == 409 and r["json"]["error"]["code"] == "edit_conflict"
               for r in results)
