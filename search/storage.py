"""The Whoosh index directory: generations, the live pointer, the writer lock.

Layout of ``SEARCH_INDEX_DIR``::

    CURRENT          name of the live generation (replaced atomically)
    gen-<time>-<id>/ a complete Whoosh index (and its schema_version); a rebuild
                     writes a new one
    writer.lock      flock()ed by the one process applying changes
    pending          "rows are waiting": created by a process that found the lock taken

The writer lock is an inter-process ``fcntl.flock`` taken without blocking:
a request that finds it held returns at once, and the holder drains its rows
too. The kernel releases it when the holder dies, so a killed process never
leaves it stuck. Rows are only deleted after the index commit, so whatever
was not applied is drained by the next writer.
"""

from __future__ import annotations

import fcntl
import os
import secrets
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

POINTER = "CURRENT"
LOCK = "writer.lock"
PENDING = "pending"
PREFIX = "gen-"
VERSION = "schema_version"


class IndexDir:
    """One index directory with its generations (see the module docstring)."""

    def __init__(self, root: str | Path):
        self.root = Path(root)

    def current(self) -> Path | None:
        """The live generation's directory, or None if there is none yet."""
        try:
            name = (self.root / POINTER).read_text().strip()
        except OSError:
            return None
        if not name.startswith(PREFIX) or "/" in name:
            return None
        path = self.root / name
        return path if path.is_dir() else None

    def new_generation(self) -> Path:
        """A fresh, empty directory for a complete rebuild."""
        self.root.mkdir(parents=True, exist_ok=True)
        name = f"{PREFIX}{time.strftime('%Y%m%d%H%M%S')}-{secrets.token_hex(4)}"
        path = self.root / name
        path.mkdir()
        return path

    def publish(self, generation: Path) -> None:
        """Make ``generation`` live: write the pointer next to it, then rename (atomic)."""
        tmp = self.root / f"{POINTER}.{secrets.token_hex(4)}.tmp"
        with open(tmp, "w") as handle:
            handle.write(generation.name + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, self.root / POINTER)

    def cleanup(self, keep: int = 2) -> None:
        """Remove old generations, keeping the live one and the newest others.

        The previous generation is kept because a process may still be
        reading it; it switches at its next query.
        """
        live = self.current()
        generations = sorted(
            (p for p in self.root.glob(PREFIX + "*") if p.is_dir() and p != live),
            key=lambda p: p.stat().st_mtime,
            reverse=True,
        )
        for path in generations[max(0, keep - 1):]:
            shutil.rmtree(path, ignore_errors=True)
        for tmp in self.root.glob(f"{POINTER}.*.tmp"):
            tmp.unlink(missing_ok=True)

    @staticmethod
    def version(generation: Path) -> str | None:
        """The schema version a generation was built with (None: unknown)."""
        try:
            return (generation / VERSION).read_text().strip()
        except OSError:
            return None

    @staticmethod
    def set_version(generation: Path, version: str) -> None:
        (generation / VERSION).write_text(version + "\n")

    def discard(self, generation: Path) -> None:
        """Remove an unfinished generation."""
        shutil.rmtree(generation, ignore_errors=True)

    @contextmanager
    def lock(self, blocking: bool = False, timeout: float = 0) -> Iterator[bool]:
        """The writer lock: yields True if held, False if someone else has it."""
        self.root.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.root / LOCK, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            deadline = time.monotonic() + timeout
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    held = True
                    break
                except BlockingIOError:
                    if not blocking or time.monotonic() >= deadline:
                        held = False
                        break
                    time.sleep(0.05)
            try:
                yield held
            finally:
                if held:
                    fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)

    def mark_pending(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        (self.root / PENDING).touch()

    def clear_pending(self) -> None:
        (self.root / PENDING).unlink(missing_ok=True)

    def take_pending(self) -> bool:
        try:
            (self.root / PENDING).unlink()
        except FileNotFoundError:
            return False
        return True
