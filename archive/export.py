"""Write the database (or one group) as JSON files plus a Markdown tree.

Layout of the export directory::

    manifest.json       format, time, scope (group or everything), counts
    users.json          accounts (never password hashes, sessions or tokens)
    groups.json         groups with their members
    posts.json          posts with tags, likes, edit history and comments (with theirs)
    wiki.json           wiki pages with every revision
    markdown/README.md  an index
    markdown/streams/<group slug | _company>/<date>-<id>-<title>.md   one file per thread
    markdown/wiki/<page path>.md           the page as it is now
    markdown/wiki/<page path>.history.md   every revision, oldest first

Each JSON file is one array with one object per line. Big tables are streamed
(``yield_per``) and written as they are read, so memory stays flat; related rows
(comments, likes, tags, revisions) are loaded per partition, never per row.
Soft-deleted posts, comments and pages are in the JSON with ``deleted_at`` (an
archive keeps history) but not in the Markdown tree. With a group, only that
group's posts and pages are written, and only the users they involve.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from sqlalchemy import func, select

from schwarm.accounts.models import User, UserExpertise
from schwarm.extensions import db
from schwarm.groups.models import Group, Membership
from stream.models import (
    Comment,
    CommentLike,
    CommentRevision,
    Post,
    PostLike,
    PostRevision,
    PostTag,
)
from wiki.models import Page, PageRedirect, Revision

FORMAT_VERSION = 1
PARTITION = 500


def iso(moment: datetime | None) -> str | None:
    """ISO 8601 in UTC, or None."""
    return moment.astimezone(UTC).isoformat() if moment else None


class JsonArray:
    """A JSON array written item by item (one object per line)."""

    def __init__(self, path: Path) -> None:
        self.file: IO[str] = path.open("w", encoding="utf-8")
        self.file.write("[")
        self.count = 0

    def open_item(self) -> None:
        self.file.write(",\n" if self.count else "\n")
        self.count += 1

    def add(self, item: dict) -> None:
        self.open_item()
        self.file.write(_dumps(item))

    def close(self) -> None:
        self.file.write("\n]\n")
        self.file.close()


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _safe(segment: str, fallback: str) -> str:
    """A file-name part: letters, digits, '-', '_', '.'; never '.', '..' or empty."""
    cleaned = re.sub(r"[^\w.-]+", "-", segment, flags=re.UNICODE).strip("-.")[:80]
    return cleaned or fallback


def _slug(text: str) -> str:
    return _safe(text.lower(), "post")[:50].strip("-.") or "post"


def _excerpt(body: str, limit: int = 60) -> str:
    line = next((ln for ln in body.splitlines() if ln.strip()), "")
    return re.sub(r"[#*_`>\[\]]", "", line).strip()[:limit]


def count_rows(group: Group | None = None) -> int:
    """How many posts and pages an export writes (for the progress bar)."""
    posts = select(func.count(Post.id))
    pages = select(func.count(Page.id))
    if group is not None:
        posts = posts.where(Post.group_id == group.id)
        pages = pages.where(Page.group_id == group.id)
    return int(db.session.scalar(posts) or 0) + int(db.session.scalar(pages) or 0)


class _Exporter:
    def __init__(self, root: Path, group: Group | None,
                 progress: Callable[[int], None] | None) -> None:
        self.root = root
        self.group = group
        self.progress = progress or (lambda _n: None)
        self.markdown = root / "markdown"
        self.names: dict[int, tuple[str, str]] = {}  # user id -> (username, display name)
        self.involved: set[int] = set()
        self.groups: dict[int, tuple[str, str]] = {}  # group id -> (slug, name)
        self.group_names: dict[str, str] = {}
        self.display: dict[str, str] = {}
        self.counts: dict[str, int] = {}
        self.threads: list[tuple[str, str]] = []  # (markdown path, title) for the index

    # --- helpers ---------------------------------------------------------

    def _user(self, user_id: int | None) -> str | None:
        if user_id is None:
            return None
        self.involved.add(user_id)
        return self.names.get(user_id, (f"user-{user_id}", ""))[0]

    def _who(self, user_id: int | None) -> str:
        if user_id is None:
            return "unknown"
        username, name = self.names.get(user_id, (f"user-{user_id}", ""))
        return f"{name} (@{username})" if name else f"@{username}"

    def _group_slug(self, group_id: int | None) -> str | None:
        return self.groups[group_id][0] if group_id in self.groups else None

    def _scoped(self, stmt, column):
        return stmt.where(column == self.group.id) if self.group is not None else stmt

    # --- the parts -------------------------------------------------------

    def load_names(self) -> None:
        rows = db.session.execute(select(User.id, User.username, User.display_name)
                                  .execution_options(yield_per=2000))
        self.names = {uid: (username, name) for uid, username, name in rows}
        self.display = {username: name for username, name in self.names.values()}

    def write_groups(self) -> None:
        out = JsonArray(self.root / "groups.json")
        stmt = self._scoped(select(Group).order_by(Group.id), Group.id)
        for group in db.session.scalars(stmt):
            members = db.session.execute(
                select(Membership.user_id, Membership.role, Membership.created_at)
                .where(Membership.group_id == group.id).order_by(Membership.user_id)
            ).all()
            self.groups[group.id] = (group.slug, group.name)
            self.group_names[group.slug] = group.name
            out.add({
                "id": group.id, "slug": group.slug, "name": group.name,
                "description": group.description, "visibility": group.visibility,
                "created_by": self._user(group.created_by_id),
                "created_at": iso(group.created_at),
                "members": [{"user": self._user(uid), "role": role, "joined_at": iso(when)}
                            for uid, role, when in members],
            })
        out.close()
        self.counts["groups"] = out.count

    def write_posts(self) -> None:
        out = JsonArray(self.root / "posts.json")
        comments_written = 0
        stmt = self._scoped(select(Post).order_by(Post.id), Post.group_id)
        result = db.session.scalars(stmt.execution_options(yield_per=PARTITION))
        for partition in result.partitions():
            comments_written += self._post_partition(out, list(partition))
            self.progress(len(partition))
        out.close()
        self.counts["posts"] = out.count
        self.counts["comments"] = comments_written

    def _post_partition(self, out: JsonArray, posts: list[Post]) -> int:
        ids = [post.id for post in posts]
        tags: dict[int, list[str]] = {}
        for post_id, tag in db.session.execute(
                select(PostTag.post_id, PostTag.tag).where(PostTag.post_id.in_(ids))
                .order_by(PostTag.post_id, PostTag.tag)):
            tags.setdefault(post_id, []).append(tag)
        likes = self._likes(PostLike.post_id, PostLike, ids)
        comments: dict[int, list[Comment]] = {}
        for comment in db.session.scalars(select(Comment).where(Comment.post_id.in_(ids))
                                          .order_by(Comment.post_id, Comment.id)):
            comments.setdefault(comment.post_id, []).append(comment)
        comment_ids = [c.id for cs in comments.values() for c in cs]
        comment_likes = self._likes(CommentLike.comment_id, CommentLike, comment_ids)
        post_versions = self._versions(PostRevision, PostRevision.post_id, ids)
        comment_versions = self._versions(CommentRevision, CommentRevision.comment_id,
                                          comment_ids)
        written = 0
        for post in posts:
            thread = comments.get(post.id, [])
            written += len(thread)
            item = self._post_json(post, tags.get(post.id, []), likes.get(post.id, []))
            item["revisions"] = post_versions.get(post.id, [])
            item["comments"] = [self._comment_json(c, comment_likes.get(c.id, []))
                                | {"revisions": comment_versions.get(c.id, [])}
                                for c in thread]
            out.add(item)
            if post.deleted_at is None:
                self._thread_markdown(item)
        return written

    def _likes(self, key_column, model, keys: list[int]) -> dict[int, list[dict]]:
        found: dict[int, list[dict]] = {}
        if not keys:
            return found
        rows = db.session.execute(select(key_column, model.user_id, model.created_at)
                                  .where(key_column.in_(keys)).order_by(key_column, model.id))
        for key, user_id, when in rows:
            found.setdefault(key, []).append({"user": self._user(user_id),
                                              "created_at": iso(when)})
        return found

    def _versions(self, model, key_column, keys: list[int]) -> dict[int, list[dict]]:
        """The edit history (every version's text, editor, time) of posts or comments."""
        found: dict[int, list[dict]] = {}
        if not keys:
            return found
        for row in db.session.scalars(select(model).where(key_column.in_(keys))
                                      .order_by(key_column, model.id)):
            version = {"body": row.body, "editor": self._user(row.editor_id),
                       "created_at": iso(row.created_at)}
            if model is PostRevision:
                version = {"title": row.title} | version
            found.setdefault(getattr(row, key_column.key), []).append(version)
        return found

    def _post_json(self, post: Post, tags: list[str], likes: list[dict]) -> dict:
        return {
            "id": post.id, "group": self._group_slug(post.group_id),
            "author": self._user(post.author_id), "kind": post.kind, "title": post.title,
            "body": post.body, "tags": tags, "created_at": iso(post.created_at),
            "edited_at": iso(post.edited_at), "deleted_at": iso(post.deleted_at),
            "deleted_by": self._user(post.deleted_by_id), "pinned_at": iso(post.pinned_at),
            "accepted_comment_id": post.accepted_comment_id, "likes": likes,
        }

    def _comment_json(self, comment: Comment, likes: list[dict]) -> dict:
        return {
            "id": comment.id, "author": self._user(comment.author_id), "body": comment.body,
            "created_at": iso(comment.created_at), "edited_at": iso(comment.edited_at),
            "deleted_at": iso(comment.deleted_at),
            "deleted_by": self._user(comment.deleted_by_id), "likes": likes,
        }

    def _thread_markdown(self, post: dict) -> None:
        folder = _safe(post["group"], "group") if post["group"] else "_company"
        title = post["title"] or _excerpt(post["body"]) or f"Post {post['id']}"
        date = (post["created_at"] or "")[:10]
        relative = Path("streams") / folder / f"{date}-{post['id']}-{_slug(title)}.md"
        where = (f"{self.group_names[post['group']]} ({post['group']})"
                 if post["group"] else "company-wide")
        lines = [f"# {title}", "",
                 f"- Group: {where}",
                 f"- Author: {self._who_name(post['author'])}",
                 f"- Date: {post['created_at']}",
                 f"- Kind: {post['kind']}"]
        if post["tags"]:
            lines.append("- Tags: " + " ".join(f"#{tag}" for tag in post["tags"]))
        if post["likes"]:
            lines.append(f"- Likes: {len(post['likes'])} ("
                         + ", ".join(like["user"] for like in post["likes"]) + ")")
        lines += ["", post["body"].rstrip(), ""]
        live = [c for c in post["comments"] if c["deleted_at"] is None]
        if live:
            lines += ["---", "", f"## Comments ({len(live)})", ""]
            for comment in live:
                accepted = " — accepted answer" if comment["id"] == post[
                    "accepted_comment_id"] else ""
                lines += [f"### {self._who_name(comment['author'])}, {comment['created_at']}"
                          f"{accepted}", "", comment["body"].rstrip(), ""]
        self._write(relative, "\n".join(lines))
        self.threads.append((relative.as_posix(), title))

    def _who_name(self, username: str | None) -> str:
        if username is None:
            return "unknown"
        display = self.display.get(username, "")
        return f"{display} (@{username})" if display else f"@{username}"

    def write_wiki(self) -> None:
        out = JsonArray(self.root / "wiki.json")
        revisions_written = 0
        stmt = self._scoped(select(Page).order_by(Page.id), Page.group_id)
        result = db.session.scalars(stmt.execution_options(yield_per=100))
        for partition in result.partitions():
            pages = list(partition)
            redirects: dict[int, list[str]] = {}
            for old_path, page_id in db.session.execute(
                    select(PageRedirect.old_path, PageRedirect.page_id)
                    .where(PageRedirect.page_id.in_([p.id for p in pages]))
                    .order_by(PageRedirect.old_path)):
                redirects.setdefault(page_id, []).append(old_path)
            revisions = self._revisions([page.id for page in pages])
            for page in pages:
                revisions_written += self._page(out, page, redirects.get(page.id, []),
                                                revisions)
            self.progress(len(pages))
        out.close()
        self.counts["pages"] = out.count
        self.counts["revisions"] = revisions_written

    def _revisions(self, page_ids: list[int]) -> _Revisions:
        stmt = (select(Revision).where(Revision.page_id.in_(page_ids))
                .order_by(Revision.page_id, Revision.number)
                .execution_options(yield_per=50))
        return _Revisions(iter(db.session.scalars(stmt)))

    def _page(self, out: JsonArray, page: Page, redirects: list[str],
              revisions: _Revisions) -> int:
        head = {
            "id": page.id, "path": page.path, "title": page.title,
            "group": self._group_slug(page.group_id), "body": page.body,
            "current_revision": page.current_revision, "created_at": iso(page.created_at),
            "created_by": self._user(page.created_by_id), "updated_at": iso(page.updated_at),
            "updated_by": self._user(page.updated_by_id), "deleted_at": iso(page.deleted_at),
            "deleted_by": self._user(page.deleted_by_id), "old_paths": redirects,
        }
        out.open_item()
        out.file.write(_dumps(head)[:-1] + ',"revisions":[')
        markdown = page.deleted_at is None
        parts = [_safe(part, "page") for part in page.path.split("/")]
        relative = Path("wiki", *parts[:-1], parts[-1] + ".md")
        history = None
        if markdown:
            self._write(relative, f"# {page.title}\n\n{page.body.rstrip()}\n\n---\n\n"
                        f"Revision {page.current_revision}, {iso(page.updated_at)}, by "
                        f"{self._who(page.updated_by_id)}. History: "
                        f"[{parts[-1]}.history.md]({parts[-1]}.history.md)\n")
            history = self._open(relative.with_name(parts[-1] + ".history.md"))
            history.write(f"# History of {page.title} ({page.path})\n")
        count = 0
        for revision in revisions.of_page(page.id):
            out.file.write(("," if count else "") + _dumps({
                "number": revision.number, "title": revision.title, "body": revision.body,
                "summary": revision.summary, "author": self._user(revision.author_id),
                "created_at": iso(revision.created_at)}))
            if history is not None:
                history.write(f"\n## Revision {revision.number} — {iso(revision.created_at)}"
                              f" — {self._who(revision.author_id)}\n\n")
                if revision.summary:
                    history.write(f"Summary: {revision.summary}\n\n")
                history.write(f"### {revision.title}\n\n{revision.body.rstrip()}\n")
            count += 1
        out.file.write("]}")
        if history is not None:
            history.close()
        return count

    def write_users(self) -> None:
        out = JsonArray(self.root / "users.json")
        expertise: dict[int, list[str]] = {}
        for user_id, tag in db.session.execute(select(UserExpertise.user_id, UserExpertise.tag)
                                               .order_by(UserExpertise.user_id,
                                                         UserExpertise.tag)):
            expertise.setdefault(user_id, []).append(tag)
        stmt = select(User).order_by(User.id).execution_options(yield_per=1000)
        for user in db.session.scalars(stmt):
            if self.group is not None and user.id not in self.involved:
                continue
            out.add({
                "id": user.id, "username": user.username, "email": user.email,
                "display_name": user.display_name, "title": user.title,
                "department": user.department, "language": user.language,
                "timezone": user.timezone, "is_admin": user.is_admin, "active": user.active,
                "created_at": iso(user.created_at), "deactivated_at": iso(user.deactivated_at),
                "expertise": expertise.get(user.id, []),
            })
        out.close()
        self.counts["users"] = out.count

    def write_index(self, exported_at: str) -> None:
        scope = f"group {self.group.slug}" if self.group is not None else "everything"
        lines = [f"# Schwarm export ({scope})", "", f"Exported at {exported_at}.", ""]
        lines += [f"- {value} {key}" for key, value in self.counts.items()]
        lines += ["", "## Threads", ""]
        lines += [f"- [{_md_text(title)}]({path})" for path, title in self.threads]
        self._write(Path("README.md"), "\n".join(lines) + "\n")

    # --- files -----------------------------------------------------------

    def _open(self, relative: Path) -> IO[str]:
        path = self.markdown / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        return path.open("w", encoding="utf-8")

    def _write(self, relative: Path, text: str) -> None:
        with self._open(relative) as handle:
            handle.write(text if text.endswith("\n") else text + "\n")


def _md_text(text: str) -> str:
    return re.sub(r"([\[\]])", r"\\\1", text)


class _Revisions:
    """Revisions ordered by page, then number, handed out page by page (one read ahead)."""

    def __init__(self, rows: Iterator[Revision]) -> None:
        self.rows = rows
        self.pending: Revision | None = None

    def of_page(self, page_id: int) -> Iterator[Revision]:
        while True:
            revision = self.pending if self.pending is not None else next(self.rows, None)
            self.pending = None
            if revision is None:
                return
            if revision.page_id != page_id:
                self.pending = revision
                return
            yield revision


def export(root: Path, group: Group | None = None,
           progress: Callable[[int], None] | None = None) -> dict[str, int]:
    """Export into ``root`` (created if missing); returns the counts written."""
    root.mkdir(parents=True, exist_ok=True)
    exporter = _Exporter(root, group, progress)
    exported_at = datetime.now(UTC).isoformat()
    exporter.load_names()
    exporter.write_groups()
    exporter.write_posts()
    exporter.write_wiki()
    exporter.write_users()
    exporter.write_index(exported_at)
    manifest = {"format": "schwarm-export", "version": FORMAT_VERSION,
                "exported_at": exported_at, "group": group.slug if group else None,
                "counts": exporter.counts}
    (root / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n",
                                        encoding="utf-8")
    return exporter.counts
