"""``schwarm mail-gateway`` and ``schwarm import-mbox``."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select


@click.command("mail-gateway")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8025, show_default=True, type=click.IntRange(1, 65535))
@with_appcontext
def mail_gateway_command(host: str, port: int) -> None:
    """Receive mail for <group>@MAIL_LIST_DOMAIN and post it to the group (SMTP server)."""
    from mailgate.gateway import max_bytes, serve
    from mailgate.services import list_domain

    domain = list_domain()
    if not domain:
        raise click.ClickException("Set MAIL_LIST_DOMAIN (e.g. lists.example.com) first.")
    app = current_app._get_current_object()
    click.echo(f"Mail gateway for *@{domain} on {host}:{port} "
               f"(messages up to {max_bytes(app)} bytes); Ctrl+C stops it")
    serve(app, host, port)


def _importer(group, username: str | None):
    from schwarm import access
    from schwarm.accounts.services import get_user
    from schwarm.extensions import db
    from schwarm.groups.models import OWNER, Membership

    if username:
        user = get_user(username)
        if user is None or not access.can_post_in_group(user, group):
            raise click.ClickException(f"{username!r} is no active account that may post in "
                                       f"{group.slug!r}.")
        return user
    for user_id in db.session.scalars(
        select(Membership.user_id).where(Membership.group_id == group.id,
                                         Membership.role == OWNER)
        .order_by(Membership.created_at, Membership.user_id)
    ):
        from schwarm.accounts.models import User

        user = db.session.get(User, user_id)
        if access.can_post_in_group(user, group):
            return user
    raise click.ClickException(f"The group {group.slug!r} has no active owner; name the "
                               "importing account with --as.")


@click.command("import-mbox")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--group", "slug", required=True, help="the group's short name")
@click.option("--as", "as_user", metavar="USERNAME",
              help="posts mails of senders without an account here "
                   "(default: the group's first owner)")
@click.option("--batch-size", default=200, show_default=True, type=click.IntRange(1, 10_000),
              help="messages per transaction")
@with_appcontext
def import_mbox_command(file: str, slug: str, as_user: str | None, batch_size: int) -> None:
    """Import a mailing-list archive (mbox) into a group: threads become posts with
    comments, dates and senders are kept, re-runs skip what is there."""
    from mailgate.mbox import count_messages, import_mbox
    from schwarm.groups.services import find_group

    group = find_group(slug)
    if group is None:
        raise click.ClickException(f"No group {slug!r}.")
    importer = _importer(group, as_user)
    try:
        total = count_messages(file)
    except OSError as error:
        raise click.ClickException(f"Cannot read {file}: {error}") from None
    click.echo(f"Importing {total} messages into {group.slug} (unknown senders as "
               f"{importer.username})")
    with click.progressbar(length=total, label="Importing", show_pos=True) as bar:
        summary = import_mbox(file, group, importer, batch_size=batch_size,
                              progress=bar.update)
    for which, why in summary.malformed:
        click.echo(f"Skipped {which}: {why}", err=True)
    click.echo(f"Imported {summary.posts} posts and {summary.comments} comments; skipped "
               f"{summary.duplicates} duplicates and {len(summary.malformed)} malformed "
               f"messages.")
    if summary.fallback_decoded:
        click.echo(f"{summary.fallback_decoded} messages had a missing or wrong charset and "
                   "were decoded as UTF-8 or Windows-1252.")
