"""``schwarm export``: JSON that matches the database, a readable Markdown tree."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from schwarm.accounts.models import User
from schwarm.extensions import db
from stream.models import Comment, Post
from wiki.models import Page, Revision


@pytest.fixture
def world(users):
    """Two groups (one private), posts with comments and likes, wiki pages with history."""
    from schwarm.groups import services as groups
    from stream import comments, likes, posts
    from wiki import services as wiki

    anna = users.make("anna", display_name="Anna Alpha", expertise=["pricing"])
    ben = users.make("ben", display_name="Ben Beta")
    carla = users.make("carla", display_name="Carla Gamma")
    board = groups.create_group(anna, "board", "Board Room", "Secret things", "private")
    sales = groups.create_group(anna, "sales", "Sales", "", "public")
    groups.add_member(anna, board, ben)
    groups.add_member(anna, sales, carla)

    plan = posts.create_post(anna, "The plan for 2027 #strategy", group=board)
    plan = posts.edit_post(anna, plan, "The **plan** for 2027 #strategy")
    reply = comments.add_comment(ben, plan, "Agreed.")
    likes.like_post(ben, plan)
    likes.like_comment(anna, reply)
    offer = posts.create_post(carla, "New offer for Müller GmbH", group=sales)
    comments.add_comment(anna, offer, "Nice")
    hello = posts.create_post(ben, "Hello everyone, company-wide")
    gone = posts.create_post(carla, "Oops, wrong text", group=sales)
    posts.delete_post(carla, gone)

    first = wiki.save_page(anna, "sales/onboarding", title="Onboarding",
                           body="Step one", summary="start", group="sales")
    wiki.save_page(carla, "sales/onboarding", title="Onboarding",
                   body="Step one\n\nStep two", summary="more",
                   base_revision=first.revision)
    wiki.save_page(anna, "board/minutes", title="Minutes", body="Secret minutes",
                   group="board")
    wiki.save_page(ben, "handbook", title="Handbook", body="Welcome!")
    return SimpleNamespace(anna=anna, ben=ben, carla=carla, board=board, sales=sales,
                           plan=plan, offer=offer, hello=hello, gone=gone)


def _read(root, name):
    return json.loads((root / f"{name}.json").read_text(encoding="utf-8"))


def test_the_json_matches_the_database(tmp_path, world, runner):
    target = tmp_path / "out"
    result = runner.invoke(args=["export", str(target)])
    assert result.exit_code == 0, result.output

    exported_users = _read(target, "users")
    assert [u["username"] for u in exported_users] == [
        u.username for u in db.session.scalars(select(User).order_by(User.id))]
    assert exported_users[0]["expertise"] == ["pricing"]
    raw = (target / "users.json").read_text()
    assert "password" not in raw and "pbkdf2" not in raw and "token" not in raw

    groups = {g["slug"]: g for g in _read(target, "groups")}
    assert groups["board"]["visibility"] == "private"
    assert sorted((m["user"], m["role"]) for m in groups["board"]["members"]) == [
        ("anna", "owner"), ("ben", "member")]

    exported_posts = _read(target, "posts")
    db_posts = db.session.scalars(select(Post).order_by(Post.id)).all()
    assert [(p["id"], p["author"], p["group"], p["body"]) for p in exported_posts] == [
        (p.id, p.author.username, p.group.slug if p.group else None, p.body) for p in db_posts]
    plan = exported_posts[0]
    assert plan["tags"] == ["strategy"]
    assert [like["user"] for like in plan["likes"]] == ["ben"]
    assert [(c["author"], c["body"]) for c in plan["comments"]] == [("ben", "Agreed.")]
    assert [v["body"] for v in plan["revisions"]] == [
        "The plan for 2027 #strategy", "The **plan** for 2027 #strategy"]
    assert [v["body"] for v in plan["comments"][0]["revisions"]] == ["Agreed."]
    assert [like["user"] for like in plan["comments"][0]["likes"]] == ["anna"]
    assert plan["created_at"] == world.plan.created_at.isoformat()
    assert sum(len(p["comments"]) for p in exported_posts) == len(
        db.session.scalars(select(Comment)).all())
    deleted = next(p for p in exported_posts if p["id"] == world.gone.id)
    assert deleted["deleted_at"] is not None

    pages = {p["path"]: p for p in _read(target, "wiki")}
    assert set(pages) == set(db.session.scalars(select(Page.path)))
    onboarding = pages["sales/onboarding"]
    assert onboarding["group"] == "sales" and onboarding["current_revision"] == 2
    revisions = db.session.scalars(select(Revision).join(Page)
                                   .where(Page.path == "sales/onboarding")
                                   .order_by(Revision.number)).all()
    assert [(r["number"], r["author"], r["body"], r["summary"])
            for r in onboarding["revisions"]] == [
        (r.number, r.author.username, r.body, r.summary) for r in revisions]

    manifest = json.loads((target / "manifest.json").read_text())
    assert manifest["counts"] == {"groups": 2, "posts": 4, "comments": 2, "pages": 3,
                                  "revisions": 4, "users": 3}
    assert "Exported 2 groups, 4 posts" in result.output


def test_the_markdown_tree_holds_pages_with_history_and_threads(tmp_path, world, runner):
    target = tmp_path / "out"
    assert runner.invoke(args=["export", str(target)]).exit_code == 0
    tree = target / "markdown"

    page = (tree / "wiki" / "sales" / "onboarding.md").read_text()
    assert page.startswith("# Onboarding") and "Step two" in page
    history = (tree / "wiki" / "sales" / "onboarding.history.md").read_text()
    assert "## Revision 1" in history and "## Revision 2" in history
    assert "Summary: more" in history and "Carla Gamma (@carla)" in history
    assert (tree / "wiki" / "handbook.md").exists()

    threads = sorted(p.relative_to(tree).as_posix() for p in (tree / "streams").rglob("*.md"))
    assert len(threads) == 3  # the deleted post is in the JSON only
    board = next(p for p in threads if p.startswith("streams/board/"))
    text = (tree / board).read_text()
    assert "The **plan** for 2027" in text
    assert "### Ben Beta (@ben)" in text and "Agreed." in text
    assert "- Likes: 1 (ben)" in text
    assert any(p.startswith("streams/_company/") for p in threads)
    assert "Oops" not in "".join((tree / p).read_text() for p in threads)
    assert "streams/board/" in (tree / "README.md").read_text()


def test_a_group_export_holds_only_that_group(tmp_path, world, runner):
    target = tmp_path / "board"
    result = runner.invoke(args=["export", str(target), "--group", "board"])
    assert result.exit_code == 0, result.output

    assert [g["slug"] for g in _read(target, "groups")] == ["board"]
    assert {p["group"] for p in _read(target, "posts")} == {"board"}
    assert [p["path"] for p in _read(target, "wiki")] == ["board/minutes"]
    # Only the people the group involves: carla (sales only) is not in it.
    assert sorted(u["username"] for u in _read(target, "users")) == ["anna", "ben"]
    everything = "".join(p.read_text() for p in target.rglob("*") if p.is_file())
    assert "Müller" not in everything and "Welcome!" not in everything


def test_the_export_refuses_a_full_directory_and_unknown_groups(tmp_path, world, runner):
    full = tmp_path / "full"
    full.mkdir()
    (full / "keep.txt").write_text("mine")
    result = runner.invoke(args=["export", str(full)])
    assert result.exit_code != 0 and "not empty" in result.output
    result = runner.invoke(args=["export", str(tmp_path / "x"), "--group", "nosuch"])
    assert result.exit_code != 0 and "No group 'nosuch'" in result.output


def test_hostile_paths_and_titles_stay_inside_the_export(tmp_path, world):
    from archive.export import export
    from stream import posts

    posts.create_post(world.anna, "x", group=world.sales, kind="question",
                      title="../../etc/passwd #q", tags=["q"])
    target = tmp_path / "out"
    export(target)
    written = [p.resolve() for p in target.rglob("*")]
    assert all(str(p).startswith(str(target.resolve())) for p in written)


def test_the_export_reads_related_rows_per_partition_not_per_post(tmp_path, world,
                                                                  count_queries):
    from archive.export import export
    from stream import comments, posts

    with count_queries() as few:
        export(tmp_path / "few")
    for n in range(30):
        post = posts.create_post(world.carla, f"Note {n}", group=world.sales)
        comments.add_comment(world.anna, post, f"Reply {n}")
    with count_queries() as many:
        export(tmp_path / "many")
    assert len(many) == len(few)
