"""``schwarm send-digests``: for cron, idempotent per period."""

from __future__ import annotations

import click
from flask.cli import with_appcontext


@click.command("send-digests")
@with_appcontext
def send_digests_command() -> None:
    """Send the daily and weekly digests that are due; a re-run in a period sends nothing."""
    from catchup.mailing import send_digests

    counts = send_digests()
    click.echo(f"sent {counts['sent']}, nothing new {counts['empty']}, "
               f"failed {counts['failed']}, already done {counts['done']}")
