"""The whole access matrix of schwarm/access.py: every kind of viewer against
public and private groups, content in them and company-wide content; the SQL
filters must agree with the Python checks on real rows."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from flask_login import AnonymousUserMixin
from sqlalchemy import select

from schwarm import access, activities
from schwarm.db import utcnow, write_transaction
from schwarm.extensions import db
from schwarm.groups.models import Group
from tests.schwarm.helpers import deactivate

VIEWERS = ("none", "anonymous", "member", "non_member", "owner", "admin", "deactivated")


@pytest.fixture
def world(users, groups):
    """Two groups (public, private) with an owner, a member, an outsider, an admin
    who is in neither group, and a deactivated former member."""
    admin = users.make("admin", admin=True)
    owner = users.make("olga")
    member = users.make("mia")
    outsider = users.make("nora")
    leaver = users.make("lars")
    public = groups.make(owner, "open", members=[member, leaver])
    private = groups.make(owner, "secret", private=True, members=[member, leaver])
    leaver = deactivate(admin, leaver)
    people = {
        "none": None,
        "anonymous": AnonymousUserMixin(),
        "member": member,
        "non_member": outsider,
        "owner": owner,
        "admin": admin,
        "deactivated": leaver,
    }
    return SimpleNamespace(people=people, public=public, private=private, member=member,
                           owner=owner, admin=admin, leaver=leaver)


# viewer -> (public, private)
CAN_VIEW = {
    "none": (True, False),
    "anonymous": (True, False),
    "member": (True, True),
    "non_member": (True, False),
    "owner": (True, True),
    "admin": (True, True),
    "deactivated": (False, False),
}
CAN_POST = {
    "none": (False, False),
    "anonymous": (False, False),
    "member": (True, True),
    "non_member": (False, False),
    "owner": (True, True),
    "admin": (True, True),
    "deactivated": (False, False),
}
CAN_ADMINISTER = {
    "none": (False, False),
    "anonymous": (False, False),
    "member": (False, False),
    "non_member": (False, False),
    "owner": (True, True),
    "admin": (True, True),
    "deactivated": (False, False),
}
CAN_JOIN = {
    "none": (False, False),
    "anonymous": (False, False),
    "member": (False, False),
    "non_member": (True, False),
    "owner": (False, False),
    "admin": (True, False),
    "deactivated": (False, False),
}
IS_MEMBER = {
    "none": (False, False),
    "anonymous": (False, False),
    "member": (True, True),
    "non_member": (False, False),
    "owner": (True, True),
    "admin": (False, False),
    "deactivated": (False, False),  # their membership rows stay, but grant nothing
}


def _pair(world, check):
    return check(world.public), check(world.private)


@pytest.mark.parametrize("viewer", VIEWERS)
def test_can_view_group(world, viewer):
    user = world.people[viewer]
    assert _pair(world, lambda g: access.can_view_group(user, g)) == CAN_VIEW[viewer]
    assert _pair(world, lambda g: access.can_view(user, g)) == CAN_VIEW[viewer]


@pytest.mark.parametrize("viewer", VIEWERS)
def test_can_view_content_in_group(world, viewer):
    user = world.people[viewer]

    def content(group):
        return SimpleNamespace(group_id=group.id, deleted_at=None, author_id=world.member.id)

    assert _pair(world, lambda g: access.can_view(user, content(g))) == CAN_VIEW[viewer]
    # An object carrying its group (relationship) gives the same answer.
    with_group = lambda g: SimpleNamespace(group=g, group_id=g.id, deleted_at=None)  # noqa: E731
    assert _pair(world, lambda g: access.can_view(user, with_group(g))) == CAN_VIEW[viewer]


@pytest.mark.parametrize("viewer", VIEWERS)
def test_company_wide_content(world, viewer):
    user = world.people[viewer]
    post = SimpleNamespace(group_id=None, group=None, deleted_at=None, author_id=world.member.id)
    assert access.can_view(user, post) is (viewer != "deactivated")
    assert access.can_view_group(user, None) is (viewer != "deactivated")
    assert access.can_post_in_group(user, None) is (
        viewer in ("member", "non_member", "owner", "admin"))


@pytest.mark.parametrize("viewer", VIEWERS)
def test_soft_deleted_content_is_for_admins_only(world, viewer):
    user = world.people[viewer]
    gone = SimpleNamespace(group_id=world.public.id, deleted_at=utcnow(),
                           author_id=world.member.id)
    assert access.can_view(user, gone) is (viewer == "admin")
    assert access.can_view(user, None) is False


@pytest.mark.parametrize("viewer", VIEWERS)
def test_can_post_in_group(world, viewer):
    user = world.people[viewer]
    assert _pair(world, lambda g: access.can_post_in_group(user, g)) == CAN_POST[viewer]


@pytest.mark.parametrize("viewer", VIEWERS)
def test_can_administer_group(world, viewer):
    user = world.people[viewer]
    assert _pair(world, lambda g: access.can_administer_group(user, g)) == CAN_ADMINISTER[viewer]


@pytest.mark.parametrize("viewer", VIEWERS)
def test_can_join_group(world, viewer):
    user = world.people[viewer]
    assert _pair(world, lambda g: access.can_join_group(user, g)) == CAN_JOIN[viewer]


@pytest.mark.parametrize("viewer", VIEWERS)
def test_is_member_and_role(world, viewer):
    user = world.people[viewer]
    assert _pair(world, lambda g: access.is_member(user, g)) == IS_MEMBER[viewer]
    expected_role = {"member": "member", "owner": "owner"}.get(viewer)
    assert access.group_role(user, world.private) == expected_role
    assert access.group_role(user, None) is None
    ids = access.member_group_ids(user)
    assert ids == ({world.public.id, world.private.id} if IS_MEMBER[viewer][0] else set())


@pytest.mark.parametrize("viewer", VIEWERS)
def test_edit_and_delete(world, viewer):
    """Authors edit their own content, admins anything; owners may also delete."""
    user = world.people[viewer]
    for group in (world.public, world.private):
        post = SimpleNamespace(group_id=group.id, deleted_at=None, author_id=world.member.id)
        assert access.can_edit(user, post) is (viewer in ("member", "admin")), group
        assert access.can_delete(user, post) is (viewer in ("member", "owner", "admin")), group
    # Someone else's company-wide post: only admins.
    other = SimpleNamespace(group_id=None, deleted_at=None, author_id=world.owner.id)
    assert access.can_edit(user, other) is (viewer in ("owner", "admin"))


def test_deactivated_author_cannot_edit_own_content(world):
    post = SimpleNamespace(group_id=None, deleted_at=None, author_id=world.leaver.id)
    assert not access.can_edit(world.leaver, post)
    assert not access.can_delete(world.leaver, post)


@pytest.mark.parametrize("viewer", VIEWERS)
def test_flags(world, viewer):
    user = world.people[viewer]
    assert access.is_signed_in(user) is (viewer in ("member", "non_member", "owner", "admin"))
    assert access.is_admin(user) is (viewer == "admin")


def test_deactivated_admin_is_no_admin(world, users):
    second = users.make("root", admin=True)
    second = deactivate(world.admin, second)
    assert not access.is_admin(second)
    assert not access.can_view(second, world.private)
    assert not access.can_administer_group(second, world.public)
    rows = db.session.scalars(select(Group.id).where(access.visible_groups(second))).all()
    assert rows == []


@pytest.fixture
def rows(world):
    """Activity rows: company-wide, in the public group, in the private group."""
    with write_transaction():
        made = [
            activities.record(world.owner.id, "posted", "post", 1),
            activities.record(world.owner.id, "posted", "post", 2, group_id=world.public.id),
            activities.record(world.owner.id, "posted", "post", 3, group_id=world.private.id),
        ]
    return [a.id for a in made]


@pytest.mark.parametrize("viewer", VIEWERS)
def test_visible_group_filter_agrees_with_can_view(world, rows, viewer):
    from schwarm.activities import Activity

    user = world.people[viewer]
    found = set(db.session.scalars(
        select(Activity.id).where(Activity.id.in_(rows))
        .where(access.visible_group_filter(user, Activity.group_id))
    ))
    expected = {a.id for a in db.session.scalars(select(Activity).where(Activity.id.in_(rows)))
                if access.can_view(user, a)}
    assert found == expected
    # And the matrix itself, so that agreeing on "nothing" would not pass.
    public_ok, private_ok = CAN_VIEW[viewer]
    assert found == {rows[i] for i, ok in enumerate(
        (viewer != "deactivated", public_ok, private_ok)) if ok}


@pytest.mark.parametrize("viewer", VIEWERS)
def test_visible_groups_agrees_with_can_view_group(world, viewer):
    user = world.people[viewer]
    found = set(db.session.scalars(select(Group.id).where(access.visible_groups(user))))
    expected = {g.id for g in db.session.scalars(select(Group))
                if access.can_view_group(user, g)}
    assert found == expected


@pytest.mark.parametrize("viewer", VIEWERS)
def test_visible_group_ids_agrees_with_visible_groups(world, viewer):
    """The id set for engines without SQL (search) says the same as the SQL filter."""
    user = world.people[viewer]
    ids = access.visible_group_ids(user)
    expected = set(db.session.scalars(select(Group.id).where(access.visible_groups(user))))
    if viewer == "admin":
        assert ids is None
    else:
        assert ids == expected


def test_leaving_hides_private_content_at_once(world, rows):
    from schwarm.activities import Activity
    from schwarm.groups import services

    def visible():
        return set(db.session.scalars(
            select(Activity.id).where(Activity.id.in_(rows))
            .where(access.visible_group_filter(world.member, Activity.group_id))))

    assert rows[2] in visible()
    services.leave(world.member, world.private)
    assert rows[2] not in visible()
    assert not access.can_view(world.member, world.private)


def test_viewers_among(world, users):
    outsider = world.people["non_member"]
    everyone = [world.owner.id, world.member.id, outsider.id, world.admin.id, world.leaver.id]
    assert access.viewers_among(everyone, world.private) == [
        world.owner.id, world.member.id, world.admin.id]
    assert access.viewers_among(everyone, world.public) == [
        world.owner.id, world.member.id, outsider.id, world.admin.id]
    company_wide = SimpleNamespace(group_id=None, group=None)
    assert access.viewers_among(everyone + [world.owner.id], company_wide) == [
        world.owner.id, world.member.id, outsider.id, world.admin.id]
    assert access.viewers_among([], world.public) == []


def test_mentioning_grants_nothing(world):
    """Nothing in access looks at mentions: a mentioned outsider still cannot see."""
    outsider = world.people["non_member"]
    post = SimpleNamespace(group_id=world.private.id, deleted_at=None, author_id=world.owner.id,
                           mentions=[outsider.username])
    assert not access.can_view(outsider, post)
    assert access.viewers_among([outsider.id], post) == []


def test_profiles_need_an_account(world):
    assert access.can_view_user(world.member, world.leaver)
    assert not access.can_view_user(AnonymousUserMixin(), world.member)
    assert not access.can_view_user(None, world.member)
    assert not access.can_view_user(world.leaver, world.member)
    assert not access.can_view_user(world.member, None)
