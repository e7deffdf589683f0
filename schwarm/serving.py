"""gunicorn's configuration for ``schwarm serve`` (``--config python:schwarm.serving``).

* JSON logs with secrets redacted (``logconfig_dict`` from :mod:`schwarm.logs`).
* One search indexer process beside the workers (:mod:`search.indexer`), so
  that no web worker spends its CPU on index commits. The arbiter starts it
  when it is ready, starts it again if it dies (after ``RESTART_SECONDS``),
  and stops it on exit. ``SCHWARM_INDEXER=0`` leaves it out: then each worker
  drains on its own background thread, as without an indexer.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading

from schwarm.logs import logconfig_dict  # noqa: F401  (read by gunicorn)

log = logging.getLogger("gunicorn.error")

RESTART_SECONDS = 1.0
STOP_SECONDS = 20.0


class IndexerSupervisor:
    """Keeps one ``python -m search.indexer`` child running until :meth:`stop`."""

    def __init__(self, command: list[str] | None = None):
        self.command = command or [sys.executable, "-m", "search.indexer"]
        self.process: subprocess.Popen | None = None
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._keep_running, name="schwarm-indexer",
                                        daemon=True)
        self._thread.start()

    def _keep_running(self) -> None:
        while not self._stopping.is_set():
            with self._lock:
                if self._stopping.is_set():
                    return
                self.process = subprocess.Popen(self.command)
            log.info("search indexer started (pid %s)", self.process.pid)
            code = self.process.wait()
            if self._stopping.is_set():
                return
            log.warning("search indexer exited with %s; starting it again", code)
            self._stopping.wait(RESTART_SECONDS)

    def stop(self) -> None:
        """Stop the child (SIGTERM: it finishes the drain under way) and do not restart."""
        with self._lock:
            self._stopping.set()
            process = self.process
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(STOP_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


_supervisor: IndexerSupervisor | None = None


def when_ready(server) -> None:
    """gunicorn hook (arbiter, once listening): start the indexer."""
    global _supervisor
    if os.environ.get("SCHWARM_INDEXER", "1") == "0":
        return
    _supervisor = IndexerSupervisor()
    _supervisor.start()


def on_exit(server) -> None:
    """gunicorn hook (arbiter, shutting down): stop the indexer."""
    if _supervisor is not None:
        _supervisor.stop()
