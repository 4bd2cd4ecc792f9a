"""Site representation, list arguments and facets."""

import marshmallow as ma

from api import geo
from api.fields import (
    LocalizedColumns,
    LocalizedTextSchema,
    LocalizedTitleSchema,
    MunicipalityCode,
    Name,
    PostalCode,
    References,
    SearchQuery,
    Text,
)
from api.i18n import _
from api.pagination import Sort
from api.resources.schemas import ContactSchema, LastVerifiedAt, LocatedSchema, MapQueryArgsSchema
from api.smorest import Schema

KINDS = ("premises", "plot")
USES = ("industry", "warehouse", "office", "retail", "workshop", "hospitality", "agriculture", "energy", "other")
ZONINGS = ("business", "industrial", "mixed", "residential", "unzoned", "other")
AVAILABILITIES = ("available", "reserved", "taken")
OFFERS = ("sale", "rent", "sale_or_rent")
PRICE_UNITS = ("total", "per_m2", "per_m2_month")
CONNECTIONS = ("electricity", "water", "sewer", "district_heating", "fibre", "road", "rail")
# The largest area taken as real: 1,000 hectares. More is a typing error (an extra zero or two).
MAX_AREA_M2 = 10_000_000
MAX_PRICE = 1_000_000_000
MAX_IMAGES = 20
# The area `min_area_m2` and `max_area_m2` compare, by kind.
AREA_OF_KIND = {"premises": "floor_area_m2", "plot": "plot_area_m2"}


def _distinct(values: list) -> None:
    if len(set(values)) != len(values):
        raise ma.ValidationError(_("Each item may appear only once."))


def OneOfList(choices: tuple[str, ...], **kwargs) -> ma.fields.List:
    """A list of distinct values from `choices`."""
    return ma.fields.List(ma.fields.String(validate=ma.validate.OneOf(choices)), load_default=list, validate=_distinct, **kwargs)


def Area(**kwargs) -> ma.fields.Float:
    return ma.fields.Float(
        load_default=None,
        allow_none=True,
        validate=ma.validate.Range(min=0, max=MAX_AREA_M2, min_inclusive=False),
        **kwargs,
    )


def HttpsUrl(**kwargs) -> ma.fields.URL:
    """Images are shown on the platform's https pages, where an http image would be blocked as mixed content."""
    return ma.fields.URL(schemes={"https"}, validate=ma.validate.Length(max=2000), **kwargs)


class PriceSchema(Schema):
    amount = ma.fields.Float(
        required=True, validate=ma.validate.Range(min=0, max=MAX_PRICE), metadata={"description": "Euros.", "example": 35}
    )
    unit = ma.fields.String(
        required=True,
        validate=ma.validate.OneOf(PRICE_UNITS),
        metadata={"description": "`total` (the whole site), `per_m2` (a sale price) or `per_m2_month` (a rent).", "example": "per_m2"},
    )


class OwnerSchema(Schema):
    name = Name(required=True, metadata={"example": "Karstulan kunta"})
    company = ma.fields.String(load_default=None, allow_none=True, metadata={"description": "The owner's company id in this directory, if listed."})


class SiteSchema(LocatedSchema):
    REGION = geo.FINLAND

    id = ma.fields.String(dump_only=True, metadata={"example": "5d1c2b7e-9a0f-4c55-8f0e-2b6d4c1a7e30"})
    kind = ma.fields.String(required=True, validate=ma.validate.OneOf(KINDS), metadata={"example": "plot"})
    title = LocalizedColumns(LocalizedTitleSchema, required=True, metadata={"example": {"fi": "Teollisuustontti Kiertotie 4"}})
    description = LocalizedColumns(LocalizedTextSchema, load_default=None, allow_none=True)
    municipality = MunicipalityCode(required=True)
    street_address = Text(max_length=200, load_default=None, allow_none=True, metadata={"example": "Kiertotie 4"})
    postal_code = PostalCode(load_default=None, allow_none=True)
    post_office = Text(max_length=200, load_default=None, allow_none=True, metadata={"example": "KARSTULA"})
    floor_area_m2 = Area(metadata={"description": "Floor area of premises, m²; required for premises, none for a plot.", "example": 850})
    plot_area_m2 = Area(metadata={"description": "Plot area, m²; required for a plot, optional for premises.", "example": 12000})
    uses = OneOfList(USES, metadata={"description": "What the site suits.", "example": ["industry", "warehouse"]})
    zoning = ma.fields.String(load_default=None, allow_none=True, validate=ma.validate.OneOf(ZONINGS), metadata={"example": "industrial"})
    availability = ma.fields.String(load_default="available", validate=ma.validate.OneOf(AVAILABILITIES))
    offer = ma.fields.String(required=True, validate=ma.validate.OneOf(OFFERS), metadata={"example": "sale_or_rent"})
    price = ma.fields.Nested(PriceSchema, load_default=None, allow_none=True, metadata={"description": "null: ask the contact."})
    available_from = ma.fields.Date(load_default=None, allow_none=True, metadata={"example": "2027-01-01"})
    connections = OneOfList(CONNECTIONS, metadata={"example": ["electricity", "water", "road", "fibre"]})
    owner = ma.fields.Nested(OwnerSchema, load_default=None, allow_none=True)
    contact = ma.fields.Nested(ContactSchema, load_default=None, allow_none=True)
    image_urls = ma.fields.List(
        HttpsUrl(),
        load_default=list,
        validate=[ma.validate.Length(max=MAX_IMAGES), _distinct],
        metadata={"description": f"https only, at most {MAX_IMAGES}.", "example": ["https://www.karstula.fi/kuvat/tontti.jpg"]},
    )
    spearheads = References("id", load_default=list, validate=ma.validate.Length(max=100))
    last_verified_at = LastVerifiedAt()

    @ma.validates_schema
    def area_of_its_kind(self, data, **kwargs):
        if kwargs.get("partial"):
            return
        area = AREA_OF_KIND.get(data.get("kind"))
        if area and data.get(area) is None:
            raise ma.ValidationError(_("A site of kind %(kind)s gives its %(area)s.", kind=data["kind"], area=area), area)
        if data.get("kind") == "plot" and data.get("floor_area_m2") is not None:
            raise ma.ValidationError(_("A plot has no floor area; describe premises on it as premises."), "floor_area_m2")

    @ma.post_load
    def price_columns(self, data, **kwargs):
        """The price is stored as two columns (see api.models.site)."""
        if "price" in data:
            price = data.pop("price") or {}
            data["price_amount"], data["price_unit"] = price.get("amount"), price.get("unit")
        return data


class SiteFilterArgsSchema(MapQueryArgsSchema):
    q = SearchQuery("the title, description (every language), street address and post office")
    municipality = ma.fields.List(MunicipalityCode(), metadata={"description": "Repeatable; any of these codes."})
    kind = ma.fields.List(ma.fields.String(validate=ma.validate.OneOf(KINDS)), metadata={"description": "Repeatable; any of these."})
    use = ma.fields.List(ma.fields.String(validate=ma.validate.OneOf(USES)), metadata={"description": "Repeatable; sites suited to any of these uses."})
    availability = ma.fields.List(ma.fields.String(validate=ma.validate.OneOf(AVAILABILITIES)), metadata={"description": "Repeatable; any of these."})
    offer = ma.fields.List(
        ma.fields.String(validate=ma.validate.OneOf(OFFERS)),
        metadata={"description": "Repeatable; any of these. `sale` and `rent` each also match `sale_or_rent`."},
    )
    zoning = ma.fields.List(ma.fields.String(validate=ma.validate.OneOf(ZONINGS)), metadata={"description": "Repeatable; any of these."})
    spearhead = ma.fields.List(Text(max_length=100), metadata={"description": "Repeatable; spearhead ids or slugs, any of these."})
    connection = ma.fields.List(
        ma.fields.String(validate=ma.validate.OneOf(CONNECTIONS)),
        metadata={"description": "Repeatable; sites with ALL of these connections (`connection=rail&connection=fibre`)."},
    )
    min_area_m2 = ma.fields.Float(
        validate=ma.validate.Range(min=0), metadata={"description": "At least this floor area (premises) or plot area (plots), m².", "example": 500}
    )
    max_area_m2 = ma.fields.Float(
        validate=ma.validate.Range(min=0), metadata={"description": "At most this floor area (premises) or plot area (plots), m²."}
    )
    max_price = ma.fields.Float(
        validate=ma.validate.Range(min=0),
        metadata={"description": "At most this price in `price_unit` (required with it); sites without a price are left out.", "example": 40},
    )
    price_unit = ma.fields.String(validate=ma.validate.OneOf(PRICE_UNITS), metadata={"description": "The unit of `max_price`."})
    status = ma.fields.List(ma.fields.String(validate=ma.validate.OneOf(("draft", "published"))), metadata={"description": "Repeatable."})

    @ma.validates_schema
    def price_in_a_unit(self, data, **kwargs):
        if ("max_price" in data) != ("price_unit" in data):
            raise ma.ValidationError(_("max_price and price_unit go together: a price compares only with prices in its unit."), "price_unit")


class SiteQueryArgsSchema(SiteFilterArgsSchema):
    sort = Sort(("title", "municipality", "floor_area_m2", "plot_area_m2", "price", "available_from", "created_at", "updated_at", "distance_km"))


class SpearheadSitesArgsSchema(SiteQueryArgsSchema):
    """The site list's arguments under /spearheads/{id-or-slug}/sites; the spearhead is the path's."""

    class Meta(SiteQueryArgsSchema.Meta):
        exclude = ("spearhead",)


class SiteFacetsArgsSchema(SiteFilterArgsSchema):
    """The list's filters without paging and sorting."""

    class Meta(SiteFilterArgsSchema.Meta):
        exclude = ("page", "page_size", "include_deleted")


def _counts(description: str, example: dict) -> ma.fields.Dict:
    return ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer(), metadata={"description": description, "example": example})


class SiteFacetsSchema(Schema):
    """Counts of the matching sites per value; values without sites are left out."""

    municipality = _counts("Municipality code → count.", {"601": 3, "931": 2})
    kind = _counts("Kind → count.", {"plot": 4, "premises": 1})
    use = _counts("Use → count (a site counts once under each of its uses).", {"industry": 4, "warehouse": 2})
    availability = _counts("Availability → count.", {"available": 5})
