"""Sign-up: by invitation link (admins make them) or by an allowed e-mail domain."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

import schwarm.db
from schwarm.accounts import services
from schwarm.accounts.models import Invite, User
from schwarm.extensions import db
from tests.schwarm.helpers import flashes

NEWBIE = {"username": "neo", "display_name": "Neo Newbie", "email": "neo@example.com",
          "password": "a long enough password"}


def _count() -> int:
    return db.session.scalar(select(func.count(User.id)))


def _invite_link(client, auth, email="") -> str:
    auth.login("admin")
    response = client.post("/admin/invites", data={"email": email})
    assert response.status_code == 200
    link = re.search(r'id="invite-link">([^<]+)<', response.get_data(as_text=True)).group(1)
    auth.logout()
    return link.replace("&amp;", "&")


def _token(link: str) -> str:
    return re.search(r"invite=([^&]+)", link).group(1)


# --- closed by default -------------------------------------------------------------------

def test_sign_up_is_closed_without_invite_or_domains(client, admin):
    page = client.get("/register")
    assert page.status_code == 200
    assert b"Sign-up needs an invitation link" in page.data
    response = client.post("/register", data=NEWBIE)
    assert response.status_code == 200
    assert _count() == 1
    assert any("invitation" in message for message in flashes(response))


def test_bogus_invite_is_refused(client, admin):
    response = client.post("/register", data={**NEWBIE, "invite": "made-up"})
    assert response.status_code == 200
    assert _count() == 1


# --- invitations --------------------------------------------------------------------------

def test_admin_invite_link_signs_up_once(client, auth, admin, app):
    link = _invite_link(client, auth)
    assert link.startswith("http://localhost/register?invite=")
    token = _token(link)
    # Only a hash of the invitation token is stored.
    assert token not in {i.token_hash for i in db.session.scalars(select(Invite))}
    page = client.get(f"/register?invite={token}")
    assert page.status_code == 200
    assert b"Sign-up needs an invitation" not in page.data
    assert f'value="{token}"'.encode() in page.data
    response = client.post("/register", data={**NEWBIE, "invite": token})
    assert response.status_code == 302
    neo = services.get_user("neo")
    assert neo is not None and not neo.is_admin and neo.display_name == "Neo Newbie"
    assert client.get("/settings").status_code == 200  # signed in
    invite = db.session.scalar(select(Invite))
    assert invite.used_by_id == neo.id and invite.used_at is not None
    # The second use is refused.
    second = app.test_client()
    response = second.post("/register", data={**NEWBIE, "username": "trinity",
                                               "email": "trinity@example.com", "invite": token})
    assert response.status_code == 200
    assert services.get_user("trinity") is None


def test_invite_bound_to_an_email_address(client, auth, admin):
    token = _token(_invite_link(client, auth, email="Neo@Example.com"))
    wrong = client.post("/register", data={**NEWBIE, "email": "smith@example.com",
                                           "invite": token})
    assert wrong.status_code == 200
    assert services.get_user("neo") is None
    assert any("another e-mail" in message for message in flashes(wrong))
    right = client.post("/register", data={**NEWBIE, "email": "NEO@example.com",
                                           "invite": token})
    assert right.status_code == 302
    assert services.get_user("neo").email == "neo@example.com"


def test_invite_expires(client, auth, admin, monkeypatch):
    token = _token(_invite_link(client, auth))
    later = schwarm.db.utcnow() + timedelta(days=15)
    monkeypatch.setattr(schwarm.db, "clock", lambda: later)
    response = client.post("/register", data={**NEWBIE, "invite": token})
    assert response.status_code == 200
    assert services.get_user("neo") is None


def test_invite_service_rules(app, admin, users):
    anna = users.make("anna")
    from schwarm.errors import Forbidden, Invalid

    with pytest.raises(Forbidden):
        services.create_invite(anna)
    with pytest.raises(Invalid):
        services.create_invite(admin, "not an address")
    token = services.create_invite(admin)
    assert services.valid_invite(token) is not None
    assert services.valid_invite("x" * 500) is None
    assert services.valid_invite(None) is None


def test_only_admins_create_invites(client, auth, users, admin):
    users.make("anna")
    auth.login("anna")
    assert client.post("/admin/invites", data={}).status_code == 404
    assert db.session.scalar(select(func.count(Invite.id))) == 0


def test_taken_username_is_refused_with_a_message(client, auth, admin, users):
    users.make("neo")
    token = _token(_invite_link(client, auth))
    response = client.post("/register", data={**NEWBIE, "username": "ＮＥＯ",
                                               "email": "other@example.com", "invite": token})
    assert response.status_code == 200
    assert any("taken" in message for message in flashes(response))
    assert _count() == 2
    # The invitation is still usable: nothing was written.
    assert services.valid_invite(token) is not None


# --- allowed domains ---------------------------------------------------------------------

class TestSignupDomains:
    @pytest.fixture
    def app_config(self):
        return {"SIGNUP_DOMAINS": "example.com, @Firma.de"}

    def test_page_invites_company_addresses(self, client, admin):
        page = client.get("/register")
        assert b"Use your company e-mail address." in page.data

    @pytest.mark.parametrize("email", ["neo@example.com", "NEO@EXAMPLE.COM", "neo@firma.de"])
    def test_allowed_domain_signs_up(self, client, admin, email):
        response = client.post("/register", data={**NEWBIE, "email": email})
        assert response.status_code == 302
        assert services.get_user("neo").email == email.lower()

    @pytest.mark.parametrize("email", ["neo@evil.com", "neo@sub.example.com",
                                       "neo@example.com.evil.com", "neo@evilexample.com",
                                       "neo@example.com@evil.com"])
    def test_other_domains_are_refused(self, client, admin, email):
        response = client.post("/register", data={**NEWBIE, "email": email})
        assert response.status_code == 200
        assert services.get_user("neo") is None


def test_signup_domains_from_the_environment(tmp_path, monkeypatch):
    from schwarm.config import from_environment, signup_domains

    assert from_environment({"SIGNUP_DOMAINS": "a.de,b.com"})["SIGNUP_DOMAINS"] == "a.de,b.com"
    assert signup_domains(" A.de, ,@b.com ") == {"a.de", "b.com"}
    assert signup_domains(["x.org"]) == {"x.org"}
