"""Forms of the sender-health page: the one-click self-test and the pause thresholds."""

from __future__ import annotations

from typing import ClassVar

from flask_wtf import FlaskForm
from wtforms import DecimalField, SelectField, SubmitField
from wtforms.validators import InputRequired, NumberRange


class SelfTestForm(FlaskForm):
    edition = SelectField("Edition", coerce=int)
    submit = SubmitField("Run the one-click self-test")


class ThresholdForm(FlaskForm):
    # set_pause_thresholds takes fractions; the form shows percentages.
    operation_fields: ClassVar[dict[str, str]] = {
        "bounce_rate": "bounce_percent",
        "complaint_rate": "complaint_percent",
    }
    bounce_percent = DecimalField(
        "Pause above this % of hard bounces",
        places=2,
        validators=[InputRequired(), NumberRange(min=0, max=100)],
    )
    complaint_percent = DecimalField(
        "Pause above this % of complaints",
        places=2,
        validators=[InputRequired(), NumberRange(min=0, max=100)],
    )
    submit = SubmitField("Save thresholds")
