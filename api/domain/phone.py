"""Phone numbers, stored in E.164 and validated by phonenumbers."""

import phonenumbers

from api.i18n import _


class InvalidPhoneNumber(ValueError):
    pass


def normalize_phone(value: str) -> str:
    """Return the E.164 form of a number written in any usual way (Finland by default)."""
    try:
        number = phonenumbers.parse(value, "FI")
    except phonenumbers.NumberParseException as error:
        raise InvalidPhoneNumber(_("Not a phone number: %(reason)s.", reason=error)) from error
    if not phonenumbers.is_valid_number(number):
        raise InvalidPhoneNumber(_("Not a valid phone number; write it as +358 50 123 4567."))
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
