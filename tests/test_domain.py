"""The domain rules on their own, as the API and the CLI both use them."""

from datetime import datetime

import pytest

from api.domain.business_id import InvalidBusinessId, business_ids, normalize_business_id, vat_number
from api.domain.event_time import AmbiguousLocalTime, to_utc
from api.domain.industry import InvalidIndustryCode, industry, validate_industry_code

WEIGHTS = (7, 9, 10, 5, 8, 4, 2)


def check_digit(serial: str) -> int | None:
    """The Business ID's check digit as the Finnish Tax Administration defines it; None when there is none."""
    remainder = sum(int(digit) * weight for digit, weight in zip(serial, WEIGHTS)) % 11
    return None if remainder == 1 else (11 - remainder) % 11


@pytest.mark.parametrize(
    ("value", "normalized"),
    [("0112038-9", "0112038-9"), ("2331972-7", "2331972-7"), ("0737546-2", "0737546-2"), ("112038-9", "0112038-9"),
     (" 1572860-0 ", "1572860-0")],
)
def test_valid_business_ids(value, normalized):
    assert normalize_business_id(value) == normalized
    assert check_digit(normalized[:7]) == int(normalized[-1])


@pytest.mark.parametrize("value", ["2077474-1", "1234567-8", "abc", "01120389-1", "0112038-8", "0112038"])
def test_invalid_business_ids(value):
    with pytest.raises(InvalidBusinessId):
        normalize_business_id(value)


def test_a_serial_whose_remainder_is_one_has_no_valid_business_id():
    serial = next(f"{n:07d}" for n in range(1_000_000, 1_000_100) if check_digit(f"{n:07d}") is None)
    for digit in range(10):
        with pytest.raises(InvalidBusinessId):
            normalize_business_id(f"{serial}-{digit}")


def test_vat_number():
    assert vat_number("0112038-9") == "FI01120389"


def test_industry_lookup_falls_back_to_the_division():
    assert industry("16100").section == "C"
    assert industry("16999").code.startswith("16")
    with pytest.raises(InvalidIndustryCode):
        validate_industry_code("04100")  # there is no division 04


@pytest.mark.parametrize(
    ("local", "utc"),
    [("2026-03-29T02:59:00", "2026-03-29T00:59:00+00:00"), ("2026-10-25T04:00:00", "2026-10-25T02:00:00+00:00")],
)
def test_helsinki_local_times(local, utc):
    assert to_utc(datetime.fromisoformat(local)).isoformat() == utc


@pytest.mark.parametrize("local", ["2026-03-29T03:00:00", "2026-03-29T03:59:59", "2026-10-25T03:00:00", "2026-10-25T03:59:00"])
def test_missing_and_repeated_local_times_are_refused(local):
    with pytest.raises(AmbiguousLocalTime):
        to_utc(datetime.fromisoformat(local))


def test_generated_business_ids_are_valid_and_skip_impossible_serials():
    generated = [value for _, value in zip(range(30), business_ids(1_000_000))]
    assert all(normalize_business_id(value) == value for value in generated)
    serials = [f"{n:07d}" for n in range(1_000_000, int(generated[-1][:7]) + 1)]
    # Every serial in the span, in order, except those without a check digit.
    assert generated == [f"{serial}-{check_digit(serial)}" for serial in serials if check_digit(serial) is not None]
    assert len(serials) > len(generated)
