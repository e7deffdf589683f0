"""Group forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional


class GroupForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    slug = StringField(_l("Short name (used in the address)"),
                       validators=[DataRequired(), Length(max=64)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=5000)])
    visibility = SelectField(_l("Who can see it"), choices=[
        SelectChoice("public", _l("Public: everyone in the company can read and join")),
        SelectChoice("private", _l("Private: only members"))])


class MemberForm(FlaskForm):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=64)])
    role = SelectField(_l("Role"), choices=[
        SelectChoice("member", _l("Member")), SelectChoice("owner", _l("Owner"))])


class NotifyForm(FlaskForm):
    notify_all = BooleanField(_l("Notify me of every post"))
