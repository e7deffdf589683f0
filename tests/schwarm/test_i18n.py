"""German and English: the catalogue is compiled and used, chosen by the user's
setting or else the browser; every core string is marked and translated."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po

from schwarm import ROOT
from schwarm.accounts import services
from tests.schwarm.helpers import page

TRANSLATIONS = ROOT / "schwarm" / "translations"
PO = TRANSLATIONS / "de" / "LC_MESSAGES" / "messages.po"
MO = TRANSLATIONS / "de" / "LC_MESSAGES" / "messages.mo"
# The parts of the tree this catalogue test is responsible for (features test their own).
CORE_TEMPLATES = ("base.html", "macros.html", "accounts", "groups", "notifications", "errors")
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None,
            "_l": None, "lazy_ngettext": (1, 2)}


def _catalog():
    with PO.open("rb") as handle:
        return read_po(handle, locale="de")


def _core_messages() -> set:
    """Every message id marked in the core's Python code and templates, extracted now."""
    found = set()
    method_map = [("schwarm/**.py", "python"), ("templates/**.html", "jinja2")]
    for filename, _lineno, message, _comments, _context in extract_from_dir(
            str(ROOT), method_map=method_map, keywords=KEYWORDS):
        if filename.startswith("templates") and filename.split("/")[1] not in CORE_TEMPLATES:
            continue
        found.add(message if isinstance(message, str) else tuple(message))
    return found


def test_the_mo_file_is_up_to_date_with_the_po_file():
    catalog = _catalog()
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    fresh = {_key(m.id): _key(m.string) for m in read_mo(compiled) if m.id}
    with MO.open("rb") as handle:
        shipped = {_key(m.id): _key(m.string) for m in read_mo(handle) if m.id}
    assert shipped == fresh


def _key(value):
    return value if isinstance(value, str) else tuple(value)


def test_every_core_string_is_in_the_catalogue_and_translated():
    catalog = _catalog()
    translated = {}
    for message in catalog:
        if not message.id:
            continue
        key = message.id if isinstance(message.id, str) else tuple(message.id)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        translated[key] = all(strings) and not message.fuzzy
    core = _core_messages()
    assert len(core) > 150
    missing = sorted(map(str, core - set(translated)))
    assert missing == [], "run schwarm/translations/update.sh"
    untranslated = sorted(str(key) for key in core if not translated[key])
    assert untranslated == []


def test_placeholders_survive_translation():
    for message in _catalog():
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        wanted = set(re.findall(r"%\(\w+\)s", ids[-1]))
        for string in strings:
            assert set(re.findall(r"%\(\w+\)s", string)) == wanted, message.id


def test_babel_cfg_and_update_script_exist():
    config = (ROOT / "babel.cfg").read_text()
    assert "[python: schwarm/**.py]" in config and "[jinja2: templates/**.html]" in config
    script = TRANSLATIONS / "update.sh"
    assert script.exists() and Path(script).stat().st_mode & 0o111


# --- choosing the language ---------------------------------------------------------------------

NAV_DE = ("Gruppen", "Fragen", "Benachrichtigungen", "Einstellungen", "Abmelden", "Start")
NAV_EN = ("Groups", "Questions", "Notifications", "Settings", "Sign out", "Home")


def _nav_texts(response) -> set[str]:
    return set(page(response).texts)


def test_browser_language_for_visitors(client, users):
    users.make("anna")
    german = client.get("/login", headers={"Accept-Language": "de-DE,de;q=0.9,en;q=0.5"})
    assert '<html lang="de">' in german.get_data(as_text=True)
    assert "Anmelden" in _nav_texts(german) and "Passwort" in _nav_texts(german)
    english = client.get("/login", headers={"Accept-Language": "fr, en;q=0.5"})
    assert "Sign in" in _nav_texts(english)
    default = client.get("/login", headers={"Accept-Language": "fr"})
    assert "Sign in" in _nav_texts(default)


def test_browser_language_for_users_without_a_setting(client, auth, users):
    users.make("anna")
    auth.login("anna")
    texts = _nav_texts(client.get("/settings", headers={"Accept-Language": "de"}))
    assert set(NAV_DE) <= texts


def test_the_users_setting_wins_over_the_browser(client, auth, users):
    anna = users.make("anna")
    services.update_profile(anna, services.ProfileChange(language="de"))
    auth.login("anna")
    assert set(NAV_DE) <= _nav_texts(client.get("/groups", headers={"Accept-Language": "en"}))
    services.update_profile(anna, services.ProfileChange(language="en"))
    assert set(NAV_EN) <= _nav_texts(client.get("/groups", headers={"Accept-Language": "de"}))


def test_form_errors_and_flashes_in_german(client, auth, users):
    anna = users.make("anna")
    services.update_profile(anna, services.ProfileChange(language="de"))
    auth.login("anna")
    response = client.post("/settings", data={"display_name": "", "timezone": "Mars/Base",
                                              "language": "de"})
    html = response.get_data(as_text=True)
    assert "Dieses Feld wird benötigt." in html  # WTForms' own German catalogue
    response = client.post("/settings", data={"display_name": "Anna", "timezone": "Mars/Base",
                                              "language": "de"})
    assert "Unbekannte Zeitzone." in response.get_data(as_text=True)


def test_api_errors_follow_the_token_owners_language(api, users):
    anna = users.make("anna")
    services.update_profile(anna, services.ProfileChange(language="de"))
    response = api.as_user(anna).patch("/me", json={"timezone": "Mars/Base"})
    assert response.get_json()["error"]["message"] == "Unbekannte Zeitzone."


def test_dates_in_german(client, auth, users, monkeypatch):
    from datetime import UTC, datetime

    import schwarm.db

    monkeypatch.setattr(schwarm.db, "clock", lambda: datetime(2026, 3, 5, 8, 30, tzinfo=UTC))
    anna = users.make("anna")
    services.update_profile(anna, services.ProfileChange(language="de",
                                                         timezone="Europe/Berlin"))
    auth.login("anna")
    html = client.get("/u/anna").get_data(as_text=True)
    assert "05.03.2026, 09:30:00" in html  # German format, Berlin time (UTC+1 in March)


PAGES = ["/settings", "/u/anna", "/groups", "/groups/team", "/notifications", "/admin/users",
         "/nothing"]


@pytest.mark.parametrize("path", PAGES)
def test_no_english_left_on_german_pages(client, auth, users, groups, path):
    """Text that reads the same in both languages must be data, not an unmarked string."""
    anna = users.make("anna", admin=True, display_name="Anna Admin", expertise=["python"])
    groups.make(anna, "team", name="Team Rocket")
    auth.login("anna")
    english = set(page(client.get(path, headers={"Accept-Language": "en"})).texts)
    services.update_profile(anna, services.ProfileChange(language="de"))
    german = set(page(client.get(path)).texts)
    services.update_profile(anna, services.ProfileChange(language=""))
    allowed = re.compile(
        r"^(Schwarm( ·.*)?|Anna Admin|@?anna|Team Rocket|#python|python|\d+|\(\d+\)|·|"
        r"anna@example\.com|Admin|API|Feed|Status|Name|Wiki|Deutsch|English|404.*|"
        r"(\d+|Anna Admin|Team Rocket) · Schwarm)$")
    same = {text for text in english & german if not allowed.match(text)}
    assert same == set(), same
