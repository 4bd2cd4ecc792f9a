"""The domain rules on their own, as the API and the CLI both use them."""

from datetime import datetime

import pytest

from api.domain.business_id import InvalidBusinessId, business_ids, normalize_business_id, vat_number
from api.domain.event_time import AmbiguousLocalTime, to_utc
from api.domain.industry import InvalidIndustryCode, industry, validate_industry_code


@pytest.mark.parametrize("value", ["0112038-9", "2331972-7", "0737546-2", "112038-9"])
def test_valid_business_ids(value):
    assert normalize_business_id(value).endswith(value[-1])


@pytest.mark.parametrize("value", ["2077474-1", "1234567-8", "abc", "01120389-1"])
def test_invalid_business_ids(value):
    with pytest.raises(InvalidBusinessId):
        normalize_business_id(value)


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
    generated = list(zip(range(30), business_ids(1_000_000)))
    assert all(normalize_business_id(value) == value for _, value in generated)
    assert len({value for _, value in generated}) == 30
