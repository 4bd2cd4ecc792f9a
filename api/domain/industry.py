"""TOL 2008 industry codes (Statistics Finland's national version of NACE Rev. 2) and their labels."""

import csv
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from api.i18n import _

CODE_SET = "TOL2008"
_CODE = re.compile(r"^\d{2,5}$")
_DATA = Path(__file__).with_name("tol2008.csv")


class InvalidIndustryCode(ValueError):
    pass


@dataclass(frozen=True)
class Industry:
    code: str
    level: str
    section: str
    name_fi: str
    name_en: str

    @property
    def label(self) -> dict:
        return {"fi": self.name_fi, "en": self.name_en}


@cache
def _classification() -> dict[str, Industry]:
    with _DATA.open(encoding="utf-8", newline="") as handle:
        return {row["code"]: Industry(**row) for row in csv.DictReader(handle)}


def validate_industry_code(code: str) -> str:
    """Accept a TOL 2008 code of 2–5 digits whose division exists."""
    if not _CODE.fullmatch(code):
        raise InvalidIndustryCode(_("A TOL 2008 code is 2 to 5 digits, such as 16100."))
    if code[:2] not in _classification():
        raise InvalidIndustryCode(_("%(division)s is not a TOL 2008 division.", division=code[:2]))
    return code


def industry(code: str) -> Industry:
    """The most specific known entry for a valid code (its division at least)."""
    table = _classification()
    for length in range(len(code), 1, -1):
        if code[:length] in table:
            return table[code[:length]]
    raise InvalidIndustryCode(_("%(code)s is not a TOL 2008 code.", code=code))


def sections() -> dict[str, Industry]:
    return {code: entry for code, entry in _classification().items() if entry.level == "section"}


def divisions(section: str) -> list[str]:
    """The two-digit divisions of a section letter (C: 10 to 33)."""
    return [code for code, entry in _classification().items() if entry.level == "division" and entry.section == section]
