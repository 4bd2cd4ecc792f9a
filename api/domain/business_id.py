"""The Finnish Business ID (Y-tunnus), validated by python-stdnum."""

import re

from stdnum.exceptions import ValidationError as StdnumError
from stdnum.fi import alv, ytunnus

from api.i18n import _, library_gettext

_OLD_SIX_DIGIT_FORM = re.compile(r"^\d{6}-\d$")


class InvalidBusinessId(ValueError):
    pass


def normalize_business_id(value: str) -> str:
    """Return the canonical `NNNNNNN-C` form or raise InvalidBusinessId saying why."""
    value = value.strip()
    if _OLD_SIX_DIGIT_FORM.match(value):
        value = "0" + value
    try:
        return ytunnus.format(ytunnus.validate(value))
    except StdnumError as error:
        raise InvalidBusinessId(
            _("Not a valid Finnish Business ID (%(reason)s); expected NNNNNNN-C with a correct check digit, such as 0112038-9.",
              reason=library_gettext(error.message).rstrip(".").lower())
        ) from error


def vat_number(business_id: str) -> str:
    """The Finnish VAT number: FI and the eight digits."""
    return "FI" + business_id.replace("-", "")


def business_ids(first_serial: int):
    """Valid Business IDs from a seven-digit serial upward (for synthetic data and tests).

    python-stdnum's weighted sum of the serial with a zero check digit is the remainder r;
    the check digit is then (11 - r) mod 11, and serials with r = 1 have none and are skipped.
    """
    for serial in range(first_serial, 10_000_000):
        digits = f"{serial:07d}"
        remainder = alv.checksum(digits + "0")
        if remainder != 1:
            yield f"{digits}-{(11 - remainder) % 11}"
