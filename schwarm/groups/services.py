"""Group services: create, join, leave, manage members. One transaction each."""

from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import and_, func, or_, select
from sqlalchemy.exc import IntegrityError

from schwarm import access, activities
from schwarm.accounts.models import User
from schwarm.db import utcnow, write_transaction
from schwarm.errors import Conflict, Forbidden, Invalid, NotFound
from schwarm.extensions import db
from schwarm.groups.models import MEMBER, OWNER, PRIVATE, PUBLIC, Group, Membership
from schwarm.text import clean_line, clean_slug, normalize_identifier


def get_visible_group(viewer, slug: str) -> Group:
    """The group with ``slug`` if ``viewer`` may see it, else NotFound (never 403)."""
    group = find_group(slug)
    if group is None or not access.can_view_group(viewer, group):
        raise NotFound(_("No such group."))
    return group


def find_group(slug: str) -> Group | None:
    """The group with this slug, whoever asks (callers check access)."""
    try:
        slug = normalize_identifier(slug)
    except (TypeError, ValueError):
        return None
    return db.session.scalar(select(Group).where(Group.slug == slug))


def create_group(creator: User, slug: str, name: str, description: str = "",
                 visibility: str = PUBLIC) -> Group:
    """A new group with ``creator`` as its owner."""
    if not access.is_signed_in(creator):
        raise Forbidden(_("Sign in to create groups."))
    try:
        slug = clean_slug(slug)
        name = clean_line(name, field=_("Name"), max_length=120)
    except ValueError as error:
        raise Invalid(str(error), code="invalid_group") from None
    if visibility not in (PUBLIC, PRIVATE):
        raise Invalid(_("Visibility is 'public' or 'private'."), code="invalid_visibility")
    if len(description or "") > 5000:
        raise Invalid(_("The description is longer than 5,000 characters."))
    try:
        with write_transaction():
            group = Group(slug=slug, name=name, description=(description or "").strip(),
                          visibility=visibility, created_by_id=creator.id, created_at=utcnow())
            db.session.add(group)
            db.session.flush()
            db.session.add(Membership(group_id=group.id, user_id=creator.id, role=OWNER,
                                      created_at=utcnow()))
            activities.record(creator.id, "created_group", "group", group.id, group_id=group.id,
                              text=group.name, url=f"/groups/{group.slug}")
    except IntegrityError:
        raise Conflict(_("A group with that short name exists already."), code="taken") from None
    access.forget(creator)
    return group


def update_group(actor: User, group: Group, name: str | None = None,
                 description: str | None = None) -> Group:
    """Owners and admins rename or describe a group."""
    if not access.can_administer_group(actor, group):
        raise Forbidden(_("Only the group's owners can change it."))
    try:
        name = clean_line(name, field=_("Name"), max_length=120) if name is not None else None
    except ValueError as error:
        raise Invalid(str(error)) from None
    with write_transaction():
        fresh = db.session.get(Group, group.id)
        if name is not None:
            fresh.name = name
        if description is not None:
            if len(description) > 5000:
                raise Invalid(_("The description is longer than 5,000 characters."))
            fresh.description = description.strip()
    return fresh


def join(user: User, group: Group) -> None:
    """Join a public group (idempotent for members)."""
    if access.is_member(user, group):
        return
    if not access.can_join_group(user, group):
        raise NotFound(_("No such group.")) if group.is_private else Forbidden(
            _("You cannot join this group."))
    _add(user.id, group, MEMBER, actor=user)
    access.forget(user)


def leave(user: User, group: Group) -> None:
    """Leave a group; its private content is hidden from the next query on."""
    role = access.group_role(user, group)
    if role is None:
        return
    with write_transaction():
        if role == OWNER and _owner_count(group.id) <= 1:
            raise Conflict(_("You are the last owner; hand the group to someone else first."),
                           code="last_owner")
        db.session.execute(
            Membership.__table__.delete().where(
                Membership.group_id == group.id, Membership.user_id == user.id
            )
        )
        activities.record(user.id, "left_group", "group", group.id, group_id=group.id,
                          text=group.name, url=f"/groups/{group.slug}")
    access.forget(user)


def add_member(actor: User, group: Group, user: User, role: str = MEMBER) -> Membership:
    """Owners (and admins) add someone or change their role."""
    if role not in (MEMBER, OWNER):
        raise Invalid(_("Role is 'member' or 'owner'."), code="invalid_role")
    if not access.can_administer_group(actor, group):
        raise Forbidden(_("Only the group's owners can add members."))
    if not user.active:
        raise Invalid(_("That account is deactivated."), code="inactive")
    existing = db.session.get(Membership, (group.id, user.id))
    if existing is not None:
        if existing.role != role:
            with write_transaction():
                if existing.role == OWNER and _owner_count(group.id) <= 1:
                    raise Conflict(_("A group needs at least one owner."), code="last_owner")
                db.session.get(Membership, (group.id, user.id)).role = role
        return db.session.get(Membership, (group.id, user.id))
    membership = _add(user.id, group, role, actor=actor, added=user)
    access.forget(user)
    return membership


def remove_member(actor: User, group: Group, user: User) -> None:
    """Owners remove members; members may remove themselves (= leave)."""
    if actor.id == user.id:
        return leave(user, group)
    if not access.can_administer_group(actor, group):
        raise Forbidden(_("Only the group's owners can remove members."))
    with write_transaction():
        membership = db.session.get(Membership, (group.id, user.id))
        if membership is None:
            raise NotFound(_("That person is not a member."))
        if membership.role == OWNER and _owner_count(group.id) <= 1:
            raise Conflict(_("A group needs at least one owner."), code="last_owner")
        db.session.delete(membership)
        activities.record(actor.id, "removed_member", "group", group.id, group_id=group.id,
                          text=group.name, url=f"/groups/{group.slug}")
    access.forget(user)


def set_notify_all(user: User, group: Group, notify_all: bool) -> None:
    """Choose "notify me of every post" for a group one belongs to."""
    with write_transaction():
        membership = db.session.get(Membership, (group.id, user.id))
        if membership is None:
            raise Forbidden(_("Join the group first."))
        membership.notify_all = bool(notify_all)


def owned_groups(user: User) -> list[Group]:
    """The groups ``user`` owns, by name (for the handover page)."""
    return list(db.session.scalars(
        select(Group).join(Membership, Membership.group_id == Group.id)
        .where(Membership.user_id == user.id, Membership.role == OWNER)
        .order_by(Group.name)
    ))


def hand_over_ownerships(admin: User, leaver: User, successor: User,
                         slugs: list[str] | None = None) -> list[str]:
    """Inside a running transaction: the successor becomes owner wherever the leaver was
    (of the groups in ``slugs`` only, when given)."""
    owned = db.session.scalars(
        select(Membership).where(Membership.user_id == leaver.id, Membership.role == OWNER)
    ).all()
    done = []
    for membership in owned:
        group = membership.group
        if slugs is not None and group.slug not in slugs:
            continue
        mine = db.session.get(Membership, (group.id, successor.id))
        if mine is None:
            db.session.add(Membership(group_id=group.id, user_id=successor.id, role=OWNER,
                                      created_at=utcnow()))
        else:
            mine.role = OWNER
        activities.record(admin.id, "handed_over", "group", group.id, group_id=group.id,
                          text=f"{group.name}: {leaver.name} -> {successor.name}",
                          url=f"/groups/{group.slug}")
        done.append(group.slug)
    return done


def register_handover(app) -> None:
    """The core's handover source: the groups a leaver owns."""
    from flask_babel import lazy_gettext as _l

    from schwarm import handover

    def items(user: User) -> list[handover.Item]:
        return [handover.Item(id=group.slug, title=group.name, url=f"/groups/{group.slug}",
                              note=_("private") if group.visibility == PRIVATE else "")
                for group in owned_groups(user)]

    def transfer(admin: User, user: User, successor: User, ids: list[str]) -> list[str]:
        return hand_over_ownerships(admin, user, successor, ids)

    handover.register(app, handover.Source(key="groups", label=_l("Groups they own"),
                                           items=items, transfer=transfer))


def _add(user_id: int, group: Group, role: str, *, actor: User,
         added: User | None = None) -> Membership:
    """One transaction: the membership, its activity and (``added``) the notification."""
    try:
        with write_transaction():
            membership = Membership(group_id=group.id, user_id=user_id, role=role,
                                    created_at=utcnow())
            db.session.add(membership)
            db.session.flush()  # the new member must count as one when notify() checks access
            activities.record(actor.id, "joined_group" if actor.id == user_id else "added_member",
                              "group", group.id, group_id=group.id, text=group.name,
                              url=f"/groups/{group.slug}")
            if added is not None:
                _notify_added(actor, group, added)
    except IntegrityError:  # joined twice at once: the primary key kept one row
        return db.session.get(Membership, (group.id, user_id))
    return membership


def _notify_added(actor: User, group: Group, user: User) -> None:
    """Inside the caller's transaction; the text is in the recipient's language."""
    from flask_babel import force_locale

    from schwarm.notifications.services import notify

    with force_locale(user.language or current_app.config["BABEL_DEFAULT_LOCALE"]):
        text = _("%(actor)s added you to %(group)s", actor=actor.name, group=group.name)
    notify([user.id], "group_invitation", actor_id=actor.id, obj=group,
           object_type="group", object_id=group.id, url=f"/groups/{group.slug}", text=text)


def _owner_count(group_id: int) -> int:
    return db.session.scalar(
        select(func.count()).select_from(Membership)
        .where(Membership.group_id == group_id, Membership.role == OWNER)
    )


def list_groups(viewer, *, mine: bool = False) -> list[tuple[Group, int, str | None]]:
    """Visible groups with member counts and the viewer's role, by name."""
    counts = (
        select(Membership.group_id, func.count().label("n"))
        .group_by(Membership.group_id).subquery()
    )
    stmt = (
        select(Group, func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.group_id == Group.id)
        .where(access.visible_groups(viewer))
        .order_by(Group.name)
    )
    if mine and access.is_signed_in(viewer):
        stmt = stmt.where(Group.id.in_(access.member_group_ids(viewer)))
    roles = dict(
        db.session.execute(
            select(Membership.group_id, Membership.role).where(
                Membership.user_id == getattr(viewer, "id", -1))
        ).all()
    ) if access.is_signed_in(viewer) else {}
    return [(group, count, roles.get(group.id)) for group, count in db.session.execute(stmt)]


def member_count(group: Group) -> int:
    """How many people are in ``group``."""
    return db.session.scalar(
        select(func.count()).select_from(Membership).where(Membership.group_id == group.id)) or 0


def members_page(group: Group, *, after: tuple[str, int] | None = None,
                 limit: int = 100) -> list[tuple[User, str]]:
    """Members and their roles by display name (then id), after the ``after`` key
    (display name, user id): keyset pages for groups of thousands."""
    stmt = (select(User, Membership.role).join(Membership, Membership.user_id == User.id)
            .where(Membership.group_id == group.id))
    if after is not None:
        name, user_id = after
        stmt = stmt.where(or_(User.display_name > name,
                              and_(User.display_name == name, User.id > user_id)))
    rows = db.session.execute(stmt.order_by(User.display_name, User.id).limit(limit))
    return [(user, role) for user, role in rows]


def first_members(group: Group, limit: int) -> list[tuple[User, str]]:
    """Owners, then other members by name: at most ``limit`` (the group page's list)."""
    rows = db.session.execute(
        select(User, Membership.role).join(Membership, Membership.user_id == User.id)
        .where(Membership.group_id == group.id)
        .order_by(Membership.role.desc(), User.display_name, User.id).limit(limit))
    return [(user, role) for user, role in rows]


def members(group: Group) -> list[tuple[User, str]]:
    """Members and their roles, owners first."""
    rows = db.session.execute(
        select(User, Membership.role).join(Membership, Membership.user_id == User.id)
        .where(Membership.group_id == group.id)
        .order_by(Membership.role.desc(), User.display_name)
    )
    return [(user, role) for user, role in rows]


def visible_groups_page(viewer, *, after_slug: str | None = None,
                        limit: int = 20) -> list[Group]:
    """Groups ``viewer`` may see, by slug, after ``after_slug`` (keyset pagination)."""
    stmt = select(Group).where(access.visible_groups(viewer)).order_by(Group.slug).limit(limit)
    if after_slug is not None:
        stmt = stmt.where(Group.slug > after_slug)
    return list(db.session.scalars(stmt))


def group_summaries(groups: list[Group]) -> list[dict]:
    """The API shapes of several groups, with their members loaded in one query."""
    people: dict[int, list[tuple[str, str]]] = {group.id: [] for group in groups}
    if groups:
        rows = db.session.execute(
            select(Membership.group_id, User.username, Membership.role)
            .join(User, Membership.user_id == User.id)
            .where(Membership.group_id.in_(list(people)))
            .order_by(Membership.group_id, Membership.role.desc(), User.display_name,
                      User.username)
        )
        for group_id, username, role in rows:
            people[group_id].append((username, role))
    return [
        {
            "slug": group.slug,
            "name": group.name,
            "description": group.description,
            "visibility": group.visibility,
            "owners": [name for name, role in people[group.id] if role == OWNER],
            "members": [name for name, _role in people[group.id]],
        }
        for group in groups
    ]


def group_summary(group: Group) -> dict:
    """The API shape of a group."""
    return group_summaries([group])[0]
