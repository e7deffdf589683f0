"""Forms of the catch-up feature: e-mail settings, unsubscribe confirmation."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField
from wtforms.fields.choices import SelectChoice


class EmailSettingsForm(FlaskForm):
    notifications = BooleanField(_l("E-mail me each notification at once"))
    digest = SelectField(_l("Digest by e-mail"), choices=[
        SelectChoice("none", _l("No digest")), SelectChoice("daily", _l("Daily")),
        SelectChoice("weekly", _l("Weekly"))])
