"""Account forms (Flask-WTF: CSRF on every one)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, HiddenField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional


class LoginForm(FlaskForm):
    login = StringField(_l("Username or e-mail"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=1024)])
    remember = BooleanField(_l("Stay signed in"))
    next = HiddenField()


class AccountForm(FlaskForm):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(min=2, max=64)])
    display_name = StringField(_l("Display name"), validators=[Optional(), Length(max=120)])
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(min=8, max=1024)])


class RegisterForm(AccountForm):
    invite = HiddenField()


class ProfileForm(FlaskForm):
    display_name = StringField(_l("Display name"), validators=[DataRequired(), Length(max=120)])
    title = StringField(_l("Job title"), validators=[Optional(), Length(max=120)])
    department = StringField(_l("Department"), validators=[Optional(), Length(max=120)])
    expertise = StringField(_l("Expertise (tags, separated by spaces)"),
                            validators=[Optional(), Length(max=2000)])
    language = SelectField(_l("Language"), choices=[
        SelectChoice("", _l("Browser default")), SelectChoice("en", "English"),
        SelectChoice("de", "Deutsch")])
    timezone = StringField(_l("Time zone"), validators=[DataRequired(), Length(max=64)])


class PasswordForm(FlaskForm):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired()])
    new_password = PasswordField(_l("New password"),
                                 validators=[DataRequired(), Length(min=8, max=1024)])


class TokenForm(FlaskForm):
    name = StringField(_l("Token name"), validators=[DataRequired(), Length(max=80)])
    scope = SelectField(_l("Kind"), choices=[SelectChoice("api", _l("API token")),
                                             SelectChoice("feed", _l("Feed token"))])


class InviteForm(FlaskForm):
    email = EmailField(_l("E-mail (optional)"), validators=[Optional(), Length(max=254)])


class DeactivateForm(FlaskForm):
    successor = StringField(_l("Successor (username, optional)"),
                            validators=[Optional(), Length(max=64)])


class ConfirmForm(FlaskForm):
    """An empty form: a button that needs a CSRF token."""


class ResetRequestForm(FlaskForm):
    login = StringField(_l("Username or e-mail"), validators=[DataRequired(), Length(max=254)])


class ResetPasswordForm(FlaskForm):
    new_password = PasswordField(_l("New password"),
                                 validators=[DataRequired(), Length(min=8, max=1024)])
