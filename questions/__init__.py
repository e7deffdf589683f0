"""Internal Q&A: asking (with similar questions while typing), routing to the
experts of a question's tags, escalation when nobody answers in time,
accepting answers, the question list, analytics and people's Q&A record.

Questions, answers and votes are the stream's posts (kind ``question``),
comments and comment likes; this package adds the rules and pages around
them through the stream's hooks (POST_CREATED, the post page) and the core's
profile sections.

Public interface for other packages: ``questions.services``
(``routed_open_questions``, ``accept_answer``, ``escalate_questions``).
"""

from flask import Flask
from flask_babel import lazy_gettext as _l

ACTIVITY_VERBS = {
    "accepted_answer": _l("accepted an answer to"),
    "unaccepted_answer": _l("took back the accepted answer of"),
    "escalated_question": _l("escalated the question"),
}

# Settings besides QUESTION_ESCALATION_HOURS (schwarm.config); instance config wins.
DEFAULTS = {
    "QUESTION_ESCALATION_FALLBACK": "",  # usernames, comma- or space-separated
    "QUESTION_ESCALATION_MAX_AGE_DAYS": 30,  # older unanswered questions are not escalated
    "QUESTION_WORKING_DAYS": (0, 1, 2, 3, 4),  # Monday to Friday
    "QUESTION_WORKING_HOURS": (9, 17),
    "QUESTION_WORKING_TIMEZONE": "Europe/Berlin",
}


def init_app(app: Flask) -> None:
    """Blueprints, the escalation command, and the hooks into stream and profiles."""
    from questions import api, cli, models, services, views  # noqa: F401 (models: metadata)
    from schwarm import handover
    from schwarm.accounts.views import PROFILE_SECTIONS
    from schwarm.templating import ACTIVITY_LABELS
    from stream.handover import question_source
    from stream.post_views import POST_PAGE_HOOKS
    from stream.posts import POST_CREATED

    for key, value in DEFAULTS.items():
        app.config.setdefault(key, value)
    app.config.setdefault("QUESTION_ESCALATION_HOURS", 4)
    app.register_blueprint(views.bp)
    app.register_blueprint(api.bp)
    app.cli.add_command(cli.escalate_command)
    # create_app runs many times per process (tests): register each hook once.
    if services.on_post_created not in POST_CREATED:
        POST_CREATED.append(services.on_post_created)
    if views.post_page not in POST_PAGE_HOOKS:
        POST_PAGE_HOOKS.append(views.post_page)
    if views.profile_section not in PROFILE_SECTIONS:
        PROFILE_SECTIONS.append(views.profile_section)
    for verb, label in ACTIVITY_VERBS.items():
        ACTIVITY_LABELS.setdefault(verb, label)
    # A leaver's open questions routed to them as an expert: the successor follows them.
    handover.register(app, question_source(
        "routed_questions", _l("Questions routed to them as an expert"),
        services.routed_open_questions))
