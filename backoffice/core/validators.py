"""Validators for identifiers used in China: 身份证号 (cn.ric), 统一社会信用代码 (cn.uscc), phone numbers."""

from __future__ import annotations

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from stdnum import exceptions as stdnum_exceptions
from stdnum.cn import ric, uscc


def normalize_id_number(kind: str, value: str) -> str:
    """Validate and return the canonical form of a resident ID or a company credit code."""
    module = {"ric": ric, "uscc": uscc}.get(kind)
    if module is None:
        raise ValidationError(_("Unknown ID type."), code="invalid_choice")
    try:
        return module.validate(value)
    except stdnum_exceptions.InvalidChecksum:
        raise ValidationError(_("The ID number's check digit is wrong."), code="invalid_checksum") from None
    except stdnum_exceptions.InvalidLength:
        raise ValidationError(_("The ID number has the wrong length."), code="invalid_length") from None
    except stdnum_exceptions.InvalidFormat:
        raise ValidationError(_("The ID number has the wrong format."), code="invalid_format") from None
    except stdnum_exceptions.InvalidComponent:
        raise ValidationError(
            _("The ID number contains an invalid birth date or region."), code="invalid_component"
        ) from None
    except stdnum_exceptions.ValidationError:
        raise ValidationError(_("The ID number is not valid."), code="invalid") from None


def normalize_phone(value: str) -> str:
    """A Chinese mobile or landline number in E.164 (`+8613812345678`); foreign numbers need their `+`."""
    try:
        number = phonenumbers.parse(value, "CN")
    except phonenumbers.NumberParseException:
        raise ValidationError(_("Enter a valid phone number."), code="invalid_phone") from None
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(_("Enter a valid phone number."), code="invalid_phone")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
