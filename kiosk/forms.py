"""Forms of the operations page (the tablet itself talks JSON to the device API)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField


class PairingCodeForm(FlaskForm):
    counter_id = SelectField(_l("Loket"), coerce=int)


class RevokeForm(FlaskForm):
    """Only the CSRF token: the device is named by the URL."""
