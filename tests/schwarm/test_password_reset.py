"""Password reset by e-mail: no user enumeration, single-use expiring links."""

from __future__ import annotations

import re

import pytest

from schwarm import mail
from schwarm.accounts import reset
from tests.conftest import PASSWORD, Auth
from tests.schwarm.helpers import deactivate, flashes

NEW = "a brand new password"


def _ask(client, login):
    response = client.post("/reset", data={"login": login})
    html = re.sub(r'name="csrf_token" type="hidden" value="[^"]+"', "",
                  client.get(response.location).get_data(as_text=True))
    return response.status_code, response.location, html


def _link(app) -> str:
    [message] = mail.outbox(app)
    return re.search(r"http://localhost(/reset/\S+)", message.get_content()).group(1)


def test_reset_page_is_public_and_linked_from_login(client, users):
    users.make("anna")
    assert b'href="/reset"' in client.get("/login").data
    assert client.get("/reset").status_code == 200


def test_same_answer_for_real_unknown_and_deactivated_accounts(client, users, admin, app):
    users.make("anna")
    lars = users.make("lars")
    deactivate(admin, lars)
    real = _ask(client, "anna")
    by_mail = _ask(client, "anna@example.com")
    unknown = _ask(client, "nobody")
    unknown_mail = _ask(client, "nobody@example.com")
    left = _ask(client, "lars")
    assert real == by_mail == unknown == unknown_mail == left
    assert real[0] == 302 and real[1] == "/login"
    assert "If an account with that name or address exists" in real[2]
    sent = mail.outbox(app)
    assert [m["To"] for m in sent] == ["anna@example.com", "anna@example.com"]


def test_reset_link_sets_a_new_password_and_ends_sessions(client, users, app):
    anna = users.make("anna")
    elsewhere = app.test_client()
    Auth(elsewhere).login("anna")
    assert elsewhere.get("/settings").status_code == 200
    _ask(client, "anna")
    [message] = mail.outbox(app)
    assert message["Subject"] == "Choose a new Schwarm password"
    assert "Hello Anna" in message.get_content()
    link = _link(app)
    assert client.get(link).status_code == 200
    response = client.post(link, data={"new_password": NEW})
    assert response.status_code == 302
    assert any("new password is set" in m for m in flashes(client.get(response.location)))
    assert elsewhere.get("/settings").status_code == 302  # signed out everywhere
    auth = Auth(client)
    assert auth.login("anna").status_code == 200
    assert auth.login("anna", password=NEW).status_code == 302
    # The link works once.
    auth.logout()
    used = client.get(link)
    assert used.status_code == 400
    assert b"invalid or has expired" in used.data
    assert client.post(link, data={"new_password": "another password"}).status_code == 400
    assert anna.id


def test_reset_link_expires(client, users, app):
    user = users.make("anna")
    token = reset.make_token(user)
    assert reset.user_for_token(token).id == user.id
    app.config["PASSWORD_RESET_MAX_AGE"] = -1
    assert reset.user_for_token(token) is None
    assert client.get(f"/reset/{token}").status_code == 400


@pytest.mark.parametrize("token", ["nonsense", "x" * 600, "eyJ1IjoxfQ.AAAA.BBBB"])
def test_forged_links_are_refused(client, users, token):
    users.make("anna")
    assert client.get(f"/reset/{token}").status_code == 400


def test_link_of_a_deactivated_account_is_dead(client, users, admin):
    anna = users.make("anna")
    token = reset.make_token(anna)
    deactivate(admin, anna)
    assert client.get(f"/reset/{token}").status_code == 400


def test_new_password_must_be_long_enough(client, users, app):
    users.make("anna")
    _ask(client, "anna")
    link = _link(app)
    response = client.post(link, data={"new_password": "short"})
    assert response.status_code == 200
    assert b"has-error" in response.data
    assert Auth(client).login("anna", password=PASSWORD).status_code == 302


def test_mail_is_in_the_users_language(client, users, app):
    from schwarm.accounts import services

    anna = users.make("anna")
    services.update_profile(anna, services.ProfileChange(language="de"))
    _ask(client, "anna")
    [message] = mail.outbox(app)
    assert message["Subject"] == "Neues Schwarm-Passwort wählen"


class TestResetRateLimit:
    @pytest.fixture
    def app_config(self):
        return {"RATELIMIT_LOGIN": "2 per minute"}

    def test_asking_is_rate_limited(self, client, users):
        users.make("anna")
        assert client.post("/reset", data={"login": "anna"}).status_code == 302
        assert client.post("/reset", data={"login": "bob"}).status_code == 302
        assert client.post("/reset", data={"login": "carl"}).status_code == 429


def test_mail_is_sent_in_the_background_when_not_testing(app, monkeypatch):
    sent = []

    class FakeSMTP:
        def __init__(self, host, port, timeout):
            sent.append(("connect", host, port))

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def starttls(self):
            sent.append(("tls",))

        def login(self, user, password):
            sent.append(("login", user))

        def send_message(self, message):
            sent.append(("send", message["To"]))

    monkeypatch.setattr(mail.smtplib, "SMTP", FakeSMTP)
    threads = []
    real_thread = mail.threading.Thread

    def thread(*args, **kwargs):
        threads.append(real_thread(*args, **kwargs))
        return threads[-1]

    monkeypatch.setattr(mail.threading, "Thread", thread)
    app.config.update(TESTING=False, MAIL_SERVER="smtp.example.com", MAIL_PORT=587,
                      MAIL_USE_TLS=True, MAIL_USERNAME="bot", MAIL_PASSWORD="pw")
    try:
        mail.send("anna@example.com", "Hi", "Body")
    finally:
        app.config["TESTING"] = True
    threads[0].join(timeout=5)
    assert sent == [("connect", "smtp.example.com", 587), ("tls",), ("login", "bot"),
                    ("send", "anna@example.com")]
    with pytest.raises(ValueError):
        mail.send("anna@example.com", "Hi\r\nBcc: evil@example.com", "Body")
