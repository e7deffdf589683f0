"""Q&A forms (Flask-WTF: CSRF on every one). The services check the content."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import Length, Optional

from schwarm.widgets import PlainSelect


class AskForm(FlaskForm):
    """A new question: a title line, the details, at least one tag, optionally a group."""

    title = StringField(_l("Your question in one line"), validators=[Length(max=200)])
    body = TextAreaField(_l("Details"))
    tags = StringField(_l("Tags (at least one, separated by spaces)"),
                       validators=[Optional(), Length(max=2000)])
    group = SelectField(_l("Ask in"), choices=[], validate_choice=False, widget=PlainSelect())


class AcceptForm(FlaskForm):
    """Accept an answer (no ``comment_id``: take the acceptance back)."""

    comment_id = HiddenField()
