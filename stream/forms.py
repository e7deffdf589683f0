"""Stream forms (Flask-WTF: CSRF on every one). The services check the content."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional

from schwarm.widgets import PlainSelect


class PostForm(FlaskForm):
    """A new post; ``group`` choices are the groups the author may post in."""

    kind = SelectField(_l("Kind"), choices=[
        SelectChoice("update", _l("Update")), SelectChoice("question", _l("Question")),
        SelectChoice("announcement", _l("Announcement"))], default="update")
    group = SelectField(_l("Post to"), choices=[], validate_choice=False, widget=PlainSelect())
    title = StringField(_l("Title (for questions)"), validators=[Optional(), Length(max=200)])
    body = TextAreaField(_l("What is new?"))
    tags = StringField(_l("Tags (separated by spaces)"),
                       validators=[Optional(), Length(max=2000)])
    next = HiddenField()


class EditPostForm(FlaskForm):
    """A new version of a post."""

    title = StringField(_l("Title"), validators=[Optional(), Length(max=200)])
    body = TextAreaField(_l("Text"))


class CommentForm(FlaskForm):
    """A comment, or a new version of one."""

    body = TextAreaField(_l("Your comment"))
