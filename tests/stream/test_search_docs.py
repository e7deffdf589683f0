"""The search documents the stream registers: post, question, comment."""

from __future__ import annotations

from schwarm.extensions import db
from search import SearchDocument
from search.documents import document_types
from stream import comments, posts


def load(app, doc_type, ids):
    loader, _all_ids = document_types(app)[doc_type]
    return list(loader([str(i) for i in ids]))


def all_ids(app, doc_type):
    return list(document_types(app)[doc_type][1]())


def test_types_are_registered(app):
    assert {"post", "question", "comment"} <= set(document_types(app))


def test_post_documents(app, people, post):
    p = post(people.anna, "Release **notes** for @ben #Release", people.board, tags=["ops"])
    [doc] = load(app, "post", [p.id, 999, "junk"])
    assert isinstance(doc, SearchDocument)
    assert doc.type == "post" and doc.id == str(p.id) and doc.kind == "update"
    assert doc.body == "Release notes for @ben #Release"
    assert doc.author == "anna" and doc.group_id == people.board.id
    assert doc.tags == ["ops", "release"] and doc.url == f"/posts/{p.id}"
    assert load(app, "question", [p.id]) == []  # a post is not a question
    assert all_ids(app, "post") == [str(p.id)]


def test_question_documents_carry_the_answer_state(app, people, post):
    q = post(people.anna, "How do we deploy?", kind="question", title="Deploying", tags=["ops"])
    c = comments.add_comment(people.ben, q, "With **the pipeline**")
    [doc] = load(app, "question", [q.id])
    assert doc.type == "question" and doc.title == "Deploying"
    assert doc.extra == {"answered": False, "accepted_answer": None}
    q.accepted_comment_id = c.id  # what the Q&A feature's accept does
    db.session.commit()
    [doc] = load(app, "question", [q.id])
    assert doc.extra == {"answered": True, "accepted_answer": "With the pipeline"}
    assert all_ids(app, "question") == [str(q.id)] and all_ids(app, "post") == []


def test_comment_documents(app, people, post):
    p = post(people.anna, "Topic #x", people.town)
    c = comments.add_comment(people.ben, p, "A *thoughtful* reply")
    [doc] = load(app, "comment", [c.id])
    assert doc.type == "comment" and doc.body == "A thoughtful reply"
    assert doc.author == "ben" and doc.group_id == people.town.id
    assert doc.url == f"/posts/{p.id}#comment-{c.id}" and doc.tags == ["x"]
    assert all_ids(app, "comment") == [str(c.id)]


def test_deleted_things_yield_nothing_and_are_enqueued_for_removal(app, people, post,
                                                                   enqueued):
    p = post(people.anna, "Topic")
    c1 = comments.add_comment(people.ben, p, "one")
    c2 = comments.add_comment(people.ben, p, "two")
    comments.delete_comment(people.ben, c1)
    assert load(app, "comment", [c1.id]) == []
    assert ("comment", str(c1.id), "delete") in enqueued
    posts.delete_post(people.anna, p)
    assert load(app, "post", [p.id]) == [] and load(app, "comment", [c2.id]) == []
    assert ("post", str(p.id), "delete") in enqueued
    assert ("comment", str(c2.id), "delete") in enqueued
    assert all_ids(app, "post") == [] and all_ids(app, "comment") == []


def test_every_write_enqueues(app, people, post, enqueued):
    p = post(people.anna, "v1")
    posts.edit_post(people.anna, p, "v2")
    c = comments.add_comment(people.ben, p, "c1")
    comments.edit_comment(people.ben, c, "c2")
    assert enqueued == [("post", str(p.id), "upsert"), ("post", str(p.id), "upsert"),
                        ("comment", str(c.id), "upsert"), ("comment", str(c.id), "upsert")]


def test_all_ids_come_in_batches(app, people, post, monkeypatch):
    import stream.search_docs

    monkeypatch.setattr(stream.search_docs, "BATCH", 2)
    made = [str(post(people.anna, f"n{i}").id) for i in range(5)]
    assert all_ids(app, "post") == made
