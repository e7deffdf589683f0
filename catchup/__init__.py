"""Catch-up: what mattered since the last visit (``/catchup``), the same as a
daily or weekly e-mail digest (``schwarm send-digests``), notification e-mails,
and the visit tracking the page starts from.

Reads stream and wiki tables through :mod:`schwarm.access`; writes only the
reader's own settings, visits and the record of sent digests.
"""

from flask import Flask


def init_app(app: Flask) -> None:
    """The blueprint, visit tracking, the settings section, e-mail hooks, the CLI."""
    from catchup import cli, mailing, models, views, visits  # noqa: F401
    from schwarm.accounts.views import PUBLIC_ENDPOINTS, SETTINGS_SECTIONS

    app.register_blueprint(views.bp)
    PUBLIC_ENDPOINTS.add("catchup.unsubscribe")  # the signed link works without signing in
    app.before_request(visits.track_visit)
    if views.settings_section not in SETTINGS_SECTIONS:
        SETTINGS_SECTIONS.append(views.settings_section)
    mailing.init_app(app)
    app.cli.add_command(cli.send_digests_command)
