"""Marshmallow fields for the directory's value types; each delegates its rule to api.domain."""

import re
import unicodedata
from datetime import date, datetime, time, timedelta

import marshmallow as ma

from api.auth import may_see
from api.domain.business_id import InvalidBusinessId, normalize_business_id
from api.domain.event_time import AmbiguousLocalTime, to_helsinki, to_utc
from api.domain.industry import InvalidIndustryCode, validate_industry_code
from api.domain.phone import InvalidPhoneNumber, normalize_phone
from api.geo import Box, Point
from api.i18n import _, lazy_gettext
from api.models.base import LocalizedText

NAME_LENGTH = 200
# Before 1921 Helsinki kept local mean time (UTC+1:39:49), which RFC 3339 cannot write.
EVENT_YEARS = (1990, 2100)
TEXT_LENGTH = 10_000


def _no_nul(value: str) -> None:
    if "\x00" in value:
        raise ma.ValidationError(_("NUL characters are not allowed in text."))


class Pattern(ma.validate.Regexp):
    """The whole value must match: written `^…$`, it reads the same in OpenAPI's ECMAScript `pattern`.

    (Python's `$` also matches before a final newline, which `fullmatch` does not let through.)
    """

    def __call__(self, value):
        if self.regex.fullmatch(value) is None:
            raise ma.ValidationError(self._format_error(value))
        return value


# Embeddings, overrides and isolates make text display in another order than it is stored (a name
# that reads as something else, "Trojan source"); the plain marks U+200E/U+200F stay allowed.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def _check_one_line(text: str) -> None:
    if any(unicodedata.category(char) == "Cc" for char in text):
        raise ma.ValidationError(_("Control characters (line breaks, tabs, BEL…) are not allowed in a one-line text."))
    if BIDI_CONTROLS.intersection(text):
        raise ma.ValidationError(_("Bidirectional override characters (U+202A–U+202E, U+2066–U+2069) are not allowed."))
    if text and not any(unicodedata.category(char)[0] in "LNPS" for char in text):
        raise ma.ValidationError(_("The text has no visible character (only spaces or zero-width characters)."))


class Text(ma.fields.String):
    """Text as it is stored: Unicode NFC, surrounding whitespace trimmed, within a length, no NUL.

    The same word typed on macOS (decomposed) and on Windows (composed) is then one word. One-line
    texts (names, titles, addresses: at most NAME_LENGTH characters, unless told) also refuse control
    characters, bidirectional overrides and text with nothing visible; longer texts are prose and keep
    their line breaks.
    """

    def __init__(self, *, max_length: int = TEXT_LENGTH, min_length: int = 0, one_line: bool | None = None, **kwargs):
        self.one_line = max_length <= NAME_LENGTH if one_line is None else one_line
        self.blank_allowed = min_length == 0
        validators = [ma.validate.Length(min=min_length, max=max_length), _no_nul]
        super().__init__(validate=validators + list(kwargs.pop("validate", [])), **kwargs)

    def deserialize(self, value, attr=None, data=None, **kwargs):
        # Blank optional text is no text (null), as an empty spreadsheet cell is.
        if self.allow_none and isinstance(value, str) and not value.strip():
            return None
        return super().deserialize(value, attr, data, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        text = unicodedata.normalize("NFC", super()._deserialize(value, attr, data, **kwargs)).strip()
        if not text and not self.blank_allowed:
            raise ma.ValidationError(_("Must not be blank."))
        _no_nul(text)  # before the one-line rules, so that a NUL is named as such
        if self.one_line:
            _check_one_line(text)
        return text


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


class JsonBoolean(ma.fields.Boolean):
    """A boolean in a JSON body: `true` or `false` only (marshmallow would also take 0, 1, "yes", …)."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise self.make_error("invalid", input=value)
        return value


def _with_metadata(kwargs: dict, **metadata) -> dict:
    kwargs["metadata"] = {**metadata, **kwargs.get("metadata", {})}
    return kwargs


def PostalCode(**kwargs) -> ma.fields.String:
    return ma.fields.String(
        validate=Pattern(r"^\d{5}$", error=lazy_gettext("A postal code is five digits, such as 43500.")),
        **_with_metadata(kwargs, example="43500"),
    )


def MunicipalityCode(**kwargs) -> ma.fields.String:
    return ma.fields.String(
        validate=Pattern(r"^\d{3}$", error=lazy_gettext("A municipality code is three digits, such as 226.")),
        **_with_metadata(kwargs, example="226"),
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
            raise ma.ValidationError(_("Event times lie between the years %(first)s and %(last)s.", first=EVENT_YEARS[0], last=EVENT_YEARS[1]))
        return moment

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else to_helsinki(value).isoformat()


# An unencoded `+` in a URL arrives as a space (`…T09:00:00 02:00`).
_UNENCODED_PLUS = re.compile(r"(T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?) (\d{2}:?\d{2})$")
QUERY_TIME_PATTERN = r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?([Zz]|[+ -]\d{2}:?\d{2})?)?$"


class QueryTime(ma.fields.String):
    """A time in a query string, read as a body's times are: RFC 3339, or Helsinki time without an offset.

    A date alone is a Helsinki day: its start, or for `day_end` its end (the next day's start). A `+`
    pasted unencoded (a space once decoded) is read as `+`. Times that do not fit in a year 1–9999
    timestamp once in UTC are refused.
    """

    def __init__(self, *, day_end: bool = False, **kwargs):
        self.day_end = day_end
        day = "the end of that day" if day_end else "its start"
        description = f"RFC 3339 (`2020-12-08T09:00:00+02:00`); without an offset, or a date alone ({day}), Helsinki time."
        super().__init__(**_with_metadata(kwargs, description=description, pattern=QUERY_TIME_PATTERN, example="2020-12-01"))

    def _deserialize(self, value, attr, data, **kwargs) -> datetime:
        text = _UNENCODED_PLUS.sub(r"\1+\2", super()._deserialize(value, attr, data, **kwargs).strip())
        try:
            if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
                moment = datetime.combine(date.fromisoformat(text), time()) + (timedelta(days=1) if self.day_end else timedelta())
            else:
                moment = datetime.fromisoformat(text)
        except (ValueError, OverflowError):
            raise ma.ValidationError(_("Not a time: give RFC 3339 (2020-12-08T09:00:00+02:00) or a date (2020-12-08).")) from None
        try:
            return to_utc(moment)
        except AmbiguousLocalTime as error:
            raise ma.ValidationError(str(error)) from error
        except OverflowError:
            raise ma.ValidationError(_("The time is out of range (years 1 to 9999 in UTC).")) from None


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
            raise ma.ValidationError(_("Each item may appear only once."))
        return keys


class Reference(Text):
    """One related record, written and shown as its key (a column), like References.

    `related` names the relationship that loads the record: a reader who may not see it (a draft, a
    deleted record) is shown null, so a draft spearhead leaves no trace in its actions either.
    """

    def __init__(self, related: str, **kwargs):
        self.related = related
        super().__init__(max_length=100, min_length=1, **kwargs)

    def _serialize(self, value, attr, obj, **kwargs):
        record = getattr(obj, self.related, None)  # no record: the OpenAPI document showing a default
        return value if record is None or may_see(record) else None


SEARCH_LENGTH = 200
MAX_REPEATS = 100


def Repeatable(field: ma.fields.Field, description: str, **kwargs) -> ma.fields.List:
    """A list filter that names values: `?municipality=226&municipality=931` means any of them."""
    return ma.fields.List(
        field,
        validate=ma.validate.Length(max=MAX_REPEATS),
        **_with_metadata(kwargs, description=f"{description} Repeatable: any of the values (at most {MAX_REPEATS})."),
    )


class SearchText(Text):
    """A full-text query: a list that takes one corrects its typos and says so in X-Search-Corrections."""


def SearchQuery(searched: str, **kwargs) -> SearchText:
    description = (
        f"Full-text search over {searched}, Finnish-aware: inflected forms find their base word (`sahat` finds `saha`), "
        "parts of compounds are found (`tavara` finds `sahatavara`) and ä/ö may be typed as a/o. "
        "A word that matches nothing is corrected to the nearest indexed word (one typo in words of 4–7 letters, "
        "two in longer ones; see the X-Search-Corrections header). "
        "Every word must match; results come best match first (the name before tags before the description) "
        "unless `sort` is given."
    )
    return SearchText(max_length=SEARCH_LENGTH, min_length=1, **_with_metadata(kwargs, description=description, example="sahat"))


class _NumberList(ma.fields.String):
    """Comma-separated numbers such as `62.88,24.80`, checked against their ranges."""

    parts: tuple[tuple[str, float], ...] = ()

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        pieces = text.split(",")
        names = [name for name, _ in self.parts]
        if len(pieces) != len(self.parts):
            raise ma.ValidationError(_("Give %(count)s comma-separated numbers: %(names)s.", count=len(self.parts), names=",".join(names)))
        numbers = []
        for piece, (name, limit) in zip(pieces, self.parts):
            try:
                number = float(piece)
            except ValueError:
                raise ma.ValidationError(_("%(name)s is not a number.", name=name)) from None
            if not -limit <= number <= limit:
                raise ma.ValidationError(_("%(name)s must be between %(low)g and %(high)g.", name=name, low=-limit, high=limit))
            numbers.append(number)
        return self.build(*numbers)


class BoundingBox(_NumberList):
    parts = (("minLon", 180), ("minLat", 90), ("maxLon", 180), ("maxLat", 90))

    def __init__(self, **kwargs):
        description = "minLon,minLat,maxLon,maxLat (WGS 84, as in RFC 7946): the south-west corner, then the north-east one."
        super().__init__(**_with_metadata(kwargs, description=description, example="24.5,62.7,25.2,63.1"))

    @staticmethod
    def build(min_lon, min_lat, max_lon, max_lat) -> Box:
        if min_lat > max_lat:
            raise ma.ValidationError(_("minLat must not be above maxLat."))
        if min_lon > max_lon:
            raise ma.ValidationError(_("minLon must not be east of maxLon: give the south-west corner first."))
        return Box(min_lon, min_lat, max_lon, max_lat)


class Coordinates(_NumberList):
    parts = (("lat", 90), ("lon", 180))

    def __init__(self, **kwargs):
        super().__init__(**_with_metadata(kwargs, description="lat,lon (WGS 84).", example="62.878,24.800"))

    @staticmethod
    def build(lat, lon) -> Point:
        return Point(lat, lon)
