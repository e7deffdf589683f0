"""PlainSelect writes exactly what WTForms' Select writes, only faster."""

from __future__ import annotations

import pytest
from flask_wtf import FlaskForm
from wtforms import SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.widgets import Select

from schwarm.widgets import PlainSelect


class _Form(FlaskForm):
    class Meta:
        csrf = False

    plain = SelectField(choices=[], validate_choice=False, widget=PlainSelect())
    stock = SelectField(choices=[], validate_choice=False, widget=Select())


@pytest.mark.parametrize("choices, data", [
    ([("", "Everyone (company-wide)"), ("ops", "Ops"), ("dev", "Dev")], "ops"),
    ([("a&b", "R&D <lab> \"quoted\" 'single'"), ("x", "")], "a&b"),
    ([("one", "One")], None),
    ([], None),
    ([SelectChoice("k", "Kind", render_kw={"disabled": True}), ("v", "V")], "v"),
    ([(True, "Yes"), (False, "No")], "True"),
])
def test_plain_select_writes_what_select_writes(app, choices, data):
    with app.test_request_context():
        form = _Form()
        for field in (form.plain, form.stock):
            field.choices = choices
            field.data = data
        plain = str(form.plain()).replace('name="plain"', "").replace('id="plain"', "")
        stock = str(form.stock()).replace('name="stock"', "").replace('id="stock"', "")
        assert plain == stock
        assert str(form.plain(class_="wide")).startswith('<select class="wide" id="plain"')
