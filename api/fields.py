"""Marshmallow fields for the directory's value types; each delegates its rule to api.domain."""

from datetime import datetime

import marshmallow as ma

from api.auth import may_see
from api.domain.business_id import InvalidBusinessId, normalize_business_id
from api.domain.event_time import AmbiguousLocalTime, to_helsinki, to_utc
from api.domain.industry import InvalidIndustryCode, validate_industry_code
from api.domain.phone import InvalidPhoneNumber, normalize_phone
from api.geo import Box, Point
from api.models.base import LocalizedText

NAME_LENGTH = 200
# Before 1921 Helsinki kept local mean time (UTC+1:39:49), which RFC 3339 cannot write.
EVENT_YEARS = (1990, 2100)
TEXT_LENGTH = 10_000


def _no_nul(value: str) -> None:
    if "\x00" in value:
        raise ma.ValidationError("NUL characters are not allowed in text.")


class Text(ma.fields.String):
    """A string with a length limit and no NUL characters."""

    def __init__(self, *, max_length: int = TEXT_LENGTH, min_length: int = 0, **kwargs):
        validators = [ma.validate.Length(min=min_length, max=max_length), _no_nul]
        super().__init__(validate=validators + list(kwargs.pop("validate", [])), **kwargs)


def Name(**kwargs) -> Text:
    return Text(max_length=NAME_LENGTH, min_length=1, **kwargs)


class _Normalized(ma.fields.String):
    """A string field whose value is checked and rewritten by a domain function."""

    normalize = staticmethod(lambda value: value)
    errors_caught: tuple[type[Exception], ...] = ()

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        _no_nul(text)
        try:
            return self.normalize(text)
        except self.errors_caught as error:
            raise ma.ValidationError(str(error)) from error


class BusinessId(_Normalized):
    normalize = staticmethod(normalize_business_id)
    errors_caught = (InvalidBusinessId,)

    def __init__(self, **kwargs):
        super().__init__(
            **_with_metadata(kwargs, description="Finnish Business ID (Y-tunnus) with a valid check digit.", example="0112038-9")
        )


class IndustryCode(_Normalized):
    normalize = staticmethod(validate_industry_code)
    errors_caught = (InvalidIndustryCode,)

    def __init__(self, **kwargs):
        super().__init__(
            **_with_metadata(kwargs, description="TOL 2008 industry code, 2 to 5 digits.", example="16100", pattern=r"^\d{2,5}$")
        )


class Phone(_Normalized):
    normalize = staticmethod(normalize_phone)
    errors_caught = (InvalidPhoneNumber,)

    def __init__(self, **kwargs):
        super().__init__(
            **_with_metadata(kwargs, description="Stored and shown in E.164; any usual Finnish writing is accepted.", example="+358144591111")
        )


def _with_metadata(kwargs: dict, **metadata) -> dict:
    kwargs["metadata"] = {**metadata, **kwargs.get("metadata", {})}
    return kwargs


def PostalCode(**kwargs) -> ma.fields.String:
    return ma.fields.String(
        validate=ma.validate.Regexp(r"^\d{5}\Z", error="A postal code is five digits, such as 43500."),
        **_with_metadata(kwargs, example="43500", pattern=r"^\d{5}$"),
    )


def MunicipalityCode(**kwargs) -> ma.fields.String:
    return ma.fields.String(
        validate=ma.validate.Regexp(r"^\d{3}\Z", error="A municipality code is three digits, such as 226."),
        **_with_metadata(kwargs, example="226", pattern=r"^\d{3}$"),
    )


def Url(**kwargs) -> ma.fields.URL:
    return ma.fields.URL(
        schemes={"http", "https"},
        validate=[ma.validate.Length(max=2000), _no_nul],
        **_with_metadata(kwargs, example="https://www.karstula.fi"),
    )


def Email(**kwargs) -> ma.fields.Email:
    return ma.fields.Email(validate=[ma.validate.Length(max=254), _no_nul], **kwargs)


class HelsinkiDateTime(ma.fields.DateTime):
    """RFC 3339; a time without offset is Helsinki local time; shown with the Helsinki offset."""

    def _deserialize(self, value, attr, data, **kwargs):
        parsed: datetime = super()._deserialize(value, attr, data, **kwargs)
        try:
            moment = to_utc(parsed)
        except AmbiguousLocalTime as error:
            raise ma.ValidationError(str(error)) from error
        if not EVENT_YEARS[0] <= moment.year <= EVENT_YEARS[1]:
            raise ma.ValidationError(f"Event times lie between the years {EVENT_YEARS[0]} and {EVENT_YEARS[1]}.")
        return moment

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else to_helsinki(value).isoformat()


def _localized_schema(class_name: str, max_length: int, fi_required: bool) -> type[ma.Schema]:
    def text(required: bool):
        return Text(max_length=max_length, min_length=1, required=required, allow_none=not required)

    return type(
        class_name,
        (ma.Schema,),
        {
            "fi": text(fi_required),
            "sv": text(False),
            "en": text(False),
            "__doc__": "Text in Finnish, Swedish and English.",
        },
    )


LocalizedTitleSchema = _localized_schema("LocalizedTitle", NAME_LENGTH, fi_required=True)
LocalizedNameSchema = _localized_schema("LocalizedName", NAME_LENGTH, fi_required=False)
LocalizedTextSchema = _localized_schema("LocalizedText", TEXT_LENGTH, fi_required=False)


class Localized(ma.fields.Nested):
    """A multilingual text object `{fi, sv, en}` kept inside a JSON document."""

    def _serialize(self, value, attr, obj, **kwargs):
        if isinstance(value, LocalizedText):
            return value.to_dict()
        return super()._serialize(value, attr, obj, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        texts = super()._deserialize(value, attr, data, **kwargs)
        return {lang: text for lang, text in texts.items() if text is not None}


class LocalizedColumns(Localized):
    """A multilingual text stored as one column per language (see api.models.base.localized)."""

    def _deserialize(self, value, attr, data, **kwargs):
        return LocalizedText.from_dict(super()._deserialize(value, attr, data, **kwargs))


class References(ma.fields.List):
    """A list of related records, written and shown as their keys (ids or codes).

    A reader is shown only the related records it may see: a draft spearhead leaves no trace in a
    company's `spearheads` for the public (the one place links are shown: JSON, GeoJSON, CSV).
    """

    def __init__(self, key: str, **kwargs):
        self.key = key
        super().__init__(ma.fields.String(validate=[ma.validate.Length(min=1, max=100), _no_nul]), **kwargs)

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else [getattr(item, self.key) for item in value if may_see(item)]

    def _deserialize(self, value, attr, data, **kwargs):
        keys = super()._deserialize(value, attr, data, **kwargs)
        if len(set(keys)) != len(keys):
            raise ma.ValidationError("Each item may appear only once.")
        return keys


SEARCH_LENGTH = 200


def SearchQuery(searched: str, **kwargs) -> Text:
    description = (
        f"Full-text search over {searched}, Finnish-aware: inflected forms find their base word (`sahat` finds `saha`), "
        "parts of compounds are found (`tavara` finds `sahatavara`) and ä/ö may be typed as a/o. "
        "Every word must match; results come best match first unless `sort` is given."
    )
    return Text(max_length=SEARCH_LENGTH, min_length=1, **_with_metadata(kwargs, description=description, example="sahat"))


class _NumberList(ma.fields.String):
    """Comma-separated numbers such as `62.88,24.80`, checked against their ranges."""

    parts: tuple[tuple[str, float], ...] = ()

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        pieces = text.split(",")
        names = [name for name, _ in self.parts]
        if len(pieces) != len(self.parts):
            raise ma.ValidationError(f"Give {len(self.parts)} comma-separated numbers: {','.join(names)}.")
        numbers = []
        for piece, (name, limit) in zip(pieces, self.parts):
            try:
                number = float(piece)
            except ValueError:
                raise ma.ValidationError(f"{name} is not a number.") from None
            if not -limit <= number <= limit:
                raise ma.ValidationError(f"{name} must be between {-limit:g} and {limit:g}.")
            numbers.append(number)
        return self.build(*numbers)


class BoundingBox(_NumberList):
    parts = (("minLon", 180), ("minLat", 90), ("maxLon", 180), ("maxLat", 90))

    def __init__(self, **kwargs):
        description = "minLon,minLat,maxLon,maxLat (WGS 84, as in RFC 7946); minLon > maxLon crosses the antimeridian."
        super().__init__(**_with_metadata(kwargs, description=description, example="24.5,62.7,25.2,63.1"))

    @staticmethod
    def build(min_lon, min_lat, max_lon, max_lat) -> Box:
        if min_lat > max_lat:
            raise ma.ValidationError("minLat must not be above maxLat.")
        return Box(min_lon, min_lat, max_lon, max_lat)


class Coordinates(_NumberList):
    parts = (("lat", 90), ("lon", 180))

    def __init__(self, **kwargs):
        super().__init__(**_with_metadata(kwargs, description="lat,lon (WGS 84).", example="62.878,24.800"))

    @staticmethod
    def build(lat, lon) -> Point:
        return Point(lat, lon)
