"""``schwarm mail-gateway`` as an operator runs it: a process serving SMTP."""

from __future__ import annotations

import os
import smtplib
import socket
import subprocess
import sys
import time

import pytest
from sqlalchemy import select

from schwarm.extensions import db
from stream.models import Post
from tests.conftest import POSTGRES_URL
from tests.mailgate.conftest import DOMAIN, make_mail
from tests.mailgate.test_gateway import _free_port, wire


def _wait_for(port: int, process: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(process.stdout.read())
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise AssertionError("the gateway did not start")


@pytest.fixture
def gateway_process(app, people, tmp_path):
    port = _free_port()
    env = {**os.environ, "SCHWARM_INSTANCE": str(tmp_path), "SECRET_KEY": "test-secret",
           "MAIL_LIST_DOMAIN": DOMAIN}
    if POSTGRES_URL:
        env["DATABASE_URL"] = POSTGRES_URL
    process = subprocess.Popen(
        [sys.executable, "-c", "from schwarm.cli import main; main()", "mail-gateway",
         "--host", "127.0.0.1", "--port", str(port)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        _wait_for(port, process)
        yield port
    finally:
        process.terminate()
        assert process.wait(timeout=30) == 0  # SIGTERM stops it cleanly
        process.stdout.close()


def test_the_command_serves_group_addresses(gateway_process, people):
    mail = make_mail("ben@example.com", f"sales@{DOMAIN}", "Via the command", "it works")
    with smtplib.SMTP("127.0.0.1", gateway_process, timeout=30) as smtp:
        smtp.sendmail("ben@example.com", [f"sales@{DOMAIN}"], wire(mail))
    db.session.rollback()
    post = db.session.scalar(select(Post))
    assert (post.title, post.author, post.group) == ("Via the command", people.ben,
                                                      people.sales)


def test_the_command_needs_a_list_domain(runner, app):
    app.config["MAIL_LIST_DOMAIN"] = ""
    result = runner.invoke(args=["mail-gateway", "--port", "2525"])
    assert result.exit_code != 0
    assert "MAIL_LIST_DOMAIN" in result.output
