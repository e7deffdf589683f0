"""Wiki forms (Flask-WTF for CSRF and fields; the services validate the content)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional


class EditForm(FlaskForm):
    """Create or edit a page. ``base_revision`` is the revision the editor started from."""

    title = StringField(_l("Title"), validators=[Optional()])
    body = TextAreaField(_l("Text (Markdown; [[Page name]] links to a page)"),
                         validators=[Optional()])
    summary = StringField(_l("What did you change? (optional)"),
                          validators=[Optional(), Length(max=300)])
    base_revision = HiddenField()
    group = SelectField(_l("Who can see it"), choices=[], validate_choice=False)


class RevertForm(FlaskForm):
    revision = HiddenField(validators=[DataRequired()])
    summary = StringField(_l("Summary (optional)"), validators=[Optional(), Length(max=300)])


class MoveForm(FlaskForm):
    new_path = StringField(_l("New path"), validators=[DataRequired(), Length(max=400)])
    subtree = BooleanField(_l("Also move the pages below it"))
