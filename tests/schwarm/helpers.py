"""Helpers for the core tests: groups, deactivation, page parsing."""

from __future__ import annotations

import re
from html.parser import HTMLParser


class Groups:
    """Creates groups through the services: ``groups.make(owner, "sales", private=True)``."""

    def make(self, owner, slug: str, *, private: bool = False, name: str | None = None,
             members=(), owners=()):
        from schwarm.groups import services

        group = services.create_group(owner, slug, name or slug.title(),
                                      visibility="private" if private else "public")
        for user in members:
            services.add_member(owner, group, user, "member")
        for user in owners:
            services.add_member(owner, group, user, "owner")
        return group


def deactivate(admin_user, user, successor=None):
    """Deactivate ``user`` through the service and return the fresh row."""
    from schwarm.accounts import services
    from schwarm.accounts.models import User
    from schwarm.extensions import db

    services.deactivate(admin_user, user, successor)
    return db.session.get(User, user.id)


class Page(HTMLParser):
    """A tiny DOM summary: tags with attributes, visible text nodes, labels."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.texts: list[str] = []
        self.label_for: set[str] = set()
        self._stack: list[str] = []
        self._label_depth = 0
        self.wrapped_controls: set[int] = set()
        self._skip = 0
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attributes = {k: (v or "") for k, v in attrs}
        self.tags.append((tag, attributes))
        if tag == "label":
            self._label_depth += 1
            if attributes.get("for"):
                self.label_for.add(attributes["for"])
        if tag in ("input", "select", "textarea") and self._label_depth:
            self.wrapped_controls.add(len(self.tags) - 1)
        if tag in ("script", "style"):
            self._skip += 1

    def handle_endtag(self, tag):
        if tag == "label" and self._label_depth:
            self._label_depth -= 1
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        text = " ".join(data.split())
        if text and not self._skip:
            self.texts.append(text)

    def find_all(self, tag: str) -> list[dict]:
        return [attrs for name, attrs in self.tags if name == tag]

    def unlabelled_controls(self) -> list[dict]:
        """Form controls a screen reader could not name."""
        missing = []
        for index, (tag, attrs) in enumerate(self.tags):
            if tag not in ("input", "select", "textarea"):
                continue
            if attrs.get("type") in ("hidden", "submit", "button"):
                continue
            if index in self.wrapped_controls or attrs.get("aria-label"):
                continue
            if attrs.get("id") and attrs["id"] in self.label_for:
                continue
            missing.append(attrs)
        return missing


def page(response) -> Page:
    return Page(response.get_data(as_text=True))


def flashes(response) -> list[str]:
    """The flash messages shown on a page."""
    html = response.get_data(as_text=True)
    return [re.sub(r"\s+", " ", m).strip()
            for m in re.findall(r'<p class="flash[^"]*"[^>]*>(.*?)</p>', html, re.S)]


def follow(client, response):
    """Follow one redirect and return the next response."""
    assert response.status_code in (301, 302, 303), response.status_code
    return client.get(response.location)
