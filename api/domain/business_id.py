"""The Finnish Business ID (Y-tunnus), validated by python-stdnum."""

import re

from stdnum.exceptions import ValidationError as StdnumError
from stdnum.fi import ytunnus

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
            f"Not a valid Finnish Business ID ({error.message.rstrip('.').lower()}); "
            "expected NNNNNNN-C with a correct check digit, such as 0112038-9."
        ) from error


def vat_number(business_id: str) -> str:
    """The Finnish VAT number: FI and the eight digits."""
    return "FI" + business_id.replace("-", "")
