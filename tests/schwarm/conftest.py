"""Fixtures for the core tests: groups and an admin."""

from __future__ import annotations

import pytest

from tests.schwarm.helpers import Groups


@pytest.fixture
def groups(app) -> Groups:
    return Groups()


@pytest.fixture
def admin(users):
    return users.make("admin", admin=True, display_name="Ada Admin")


