"""``schwarm escalate-questions``: for cron, e.g. every 15 minutes."""

from __future__ import annotations

import click
from flask.cli import with_appcontext


@click.command("escalate-questions")
@with_appcontext
def escalate_command() -> None:
    """Tell the group owners (or the fallback list) of questions nobody answered in
    time. Each question is escalated once, so running it often is safe."""
    from questions.services import escalate_questions

    done = escalate_questions()
    for post_id, notified in done.items():
        click.echo(f"question {post_id}: {len(notified)} notified")
    click.echo(f"Escalated {len(done)} question{'s' if len(done) != 1 else ''}")
