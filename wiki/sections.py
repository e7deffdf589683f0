"""The wiki's parts of profile and group pages (core extension points)."""

from __future__ import annotations

from wiki import queries


def profile_pages(viewer, user):
    """"Pages" on a profile: visible pages the person edited, most recent first."""
    pages = queries.pages_by_author(viewer, user)
    if not pages:
        return None
    return "wiki/_profile_section.html", {"pages": pages, "user": user}


def group_pages(viewer, group):
    """"Wiki pages" on a group page."""
    pages = queries.group_pages(viewer, group)
    return "wiki/_group_section.html", {"pages": pages, "group": group}
