"""Companies, events and sites as schema.org JSON-LD, the structured data that search engines read."""

from flask import current_app, url_for

from api import jsonio
from api.domain.business_id import vat_number
from api.domain.event_time import to_helsinki
from api.models import Company, Event, Municipality, Site
from api.models.base import LocalizedText

MEDIA_TYPE = "application/ld+json"
CONTEXT = "https://schema.org"
SCHEMA = "https://schema.org/"
EVENT_STATUSES = {"scheduled": "EventScheduled", "postponed": "EventPostponed", "cancelled": "EventCancelled"}


def _languages(text: LocalizedText | dict | None) -> list[dict] | None:
    """A multilingual text as JSON-LD language-tagged values."""
    texts = text.to_dict() if isinstance(text, LocalizedText) else text
    if not texts:
        return None
    return [{"@language": lang, "@value": value} for lang, value in texts.items()]


def _compact(document: dict) -> dict:
    """Leave out what is unknown rather than stating nulls."""
    return {key: value for key, value in document.items() if value not in (None, [], {})}


def _area(municipality: Municipality) -> dict:
    return _compact({
        "@type": "AdministrativeArea",
        "name": municipality.name.fi,
        "identifier": municipality.code,
        "containedInPlace": _compact({"@type": "AdministrativeArea", "name": municipality.region.fi})
        if municipality.region and municipality.region.fi else None,
    })


def _size(size_class: str | None) -> dict | None:
    """A Statistics Finland personnel class (`10-19`, `1000+`) as a QuantitativeValue."""
    if not size_class:
        return None
    low, _, high = size_class.rstrip("+").partition("-")
    return _compact({"@type": "QuantitativeValue", "minValue": int(low), "maxValue": int(high) if high else None})


def company(record: Company, url: str, municipality: Municipality | None) -> dict:
    """An Organization, or a LocalBusiness when it has coordinates (schema.org gives `geo` to places only)."""
    located = record.latitude is not None and record.longitude is not None
    address = _compact({
        "@type": "PostalAddress",
        "streetAddress": record.street_address,
        "postalCode": record.postal_code,
        "addressLocality": record.post_office or (municipality.name.fi if municipality else None),
        "addressRegion": municipality.region.fi if municipality and municipality.region else None,
        "addressCountry": "FI",
    })
    return _compact({
        "@context": CONTEXT,
        "@type": "LocalBusiness" if located else "Organization",
        "@id": url,
        "name": record.name,
        "description": _languages(record.description),
        "url": record.website,
        "identifier": {"@type": "PropertyValue", "propertyID": "Y-tunnus", "value": record.business_id},
        "vatID": vat_number(record.business_id),
        "address": address if len(address) > 2 else None,
        "geo": {"@type": "GeoCoordinates", "latitude": record.latitude, "longitude": record.longitude} if located else None,
        "email": record.email,
        "telephone": record.phone,
        "foundingDate": str(record.founded_year) if record.founded_year else None,
        "dissolutionDate": record.ended_on.isoformat() if getattr(record, "ended_on", None) else None,
        "numberOfEmployees": _size(record.size_class),
        "areaServed": _area(municipality) if municipality else None,
        "keywords": ", ".join(record.tags) if record.tags else None,
    })


def _attendance(record: Event) -> str:
    if record.is_online:
        mode = "MixedEventAttendanceMode" if record.street_address else "OnlineEventAttendanceMode"
    else:
        mode = "OfflineEventAttendanceMode"
    return SCHEMA + mode


def _locations(record: Event) -> list[dict]:
    locations = []
    if record.is_online:
        locations.append(_compact({"@type": "VirtualLocation", "url": record.registration_url}))
    if not record.is_online or record.street_address:
        locality = ", ".join(m.name.fi for m in record.municipalities) or None
        locations.append(_compact({
            "@type": "Place",
            "name": record.location_name or locality,
            "address": _compact({
                "@type": "PostalAddress",
                "streetAddress": record.street_address,
                "addressLocality": locality,
                "addressCountry": "FI",
            }),
        }))
    return locations


def event(record: Event, url: str, organizer_url: str | None) -> dict:
    """An Event; the registration deadline is its offer's `validThrough`."""
    organizer = record.organizer or {}
    locations = _locations(record)
    offers = None
    if record.registration_url or record.registration_deadline:
        offers = _compact({
            "@type": "Offer",
            "url": record.registration_url,
            "validThrough": to_helsinki(record.registration_deadline).isoformat() if record.registration_deadline else None,
            "availability": SCHEMA + "InStock",
        })
    return _compact({
        "@context": CONTEXT,
        "@type": "Event",
        "@id": url,
        "name": _languages(record.title),
        "description": _languages(record.description),
        "startDate": to_helsinki(record.start_time).isoformat(),
        "endDate": to_helsinki(record.end_time).isoformat(),
        "eventAttendanceMode": _attendance(record),
        "eventStatus": SCHEMA + EVENT_STATUSES[record.event_status],
        "location": locations[0] if len(locations) == 1 else locations,
        "organizer": _compact({"@type": "Organization", "name": organizer.get("name"), "@id": organizer_url})
        if organizer else None,
        "offers": offers,
        "audience": [
            _compact({"@type": "Audience", "audienceType": group.get("fi") or next(iter(group.values()), None)})
            for group in record.target_groups
        ],
        "url": record.registration_url,
    })


# A site is a place and a thing on offer: schema.org gives `offers` to products (and services) only, not to
# places, so a site is both at once (a multi-typed entity, which validators accept).
SITE_TYPES = ["Place", "Product"]
SITE_AVAILABILITY = {"available": "InStock", "reserved": "Reserved", "taken": "SoldOut"}
# GoodRelations' business functions, which schema.org's Offer.businessFunction takes.
SELL, LEASE_OUT = "http://purl.org/goodrelations/v1#Sell", "http://purl.org/goodrelations/v1#LeaseOut"
OFFER_FUNCTIONS = {"sale": [SELL], "rent": [LEASE_OUT], "sale_or_rent": [SELL, LEASE_OUT]}
# What a price is for: the whole site, a square metre, a square metre a month (UN/CEFACT MTK is m²).
PRICE_UNITS = {
    "total": {"unitText": "total"},
    "per_m2": {"unitText": "EUR/m²", "referenceQuantity": {"@type": "QuantitativeValue", "value": 1, "unitCode": "MTK"}},
    "per_m2_month": {
        "unitText": "EUR/m²/month",
        "referenceQuantity": {"@type": "QuantitativeValue", "value": 1, "unitCode": "MTK"},
        "billingDuration": {"@type": "QuantitativeValue", "value": 1, "unitCode": "MON"},
    },
}
AREAS = {"floor_area_m2": "floor area", "plot_area_m2": "plot area"}


def _offer(record: Site, function: str) -> dict:
    """One offer of the site; a monthly price belongs to renting it, any other price to selling it."""
    price = record.price
    priced = price is not None and (price["unit"] == "per_m2_month") == (function == LEASE_OUT)
    return _compact({
        "@type": "Offer",
        "businessFunction": function,
        "availability": SCHEMA + SITE_AVAILABILITY[record.availability],
        "availabilityStarts": record.available_from.isoformat() if record.available_from else None,
        "price": price["amount"] if priced else None,
        "priceCurrency": "EUR" if priced else None,
        "priceSpecification": {
            "@type": "UnitPriceSpecification", "price": price["amount"], "priceCurrency": "EUR", **PRICE_UNITS[price["unit"]],
        } if priced else None,
    })


def site(record: Site, url: str, municipality: Municipality | None) -> dict:
    """A Place and Product: address, coordinates, areas, and an Offer per way it is offered (sale, rent)."""
    located = record.latitude is not None and record.longitude is not None
    offers = [_offer(record, function) for function in OFFER_FUNCTIONS[record.offer]]
    return _compact({
        "@context": CONTEXT,
        "@type": SITE_TYPES,
        "@id": url,
        "name": _languages(record.title),
        "description": _languages(record.description),
        "category": record.kind,
        "address": _compact({
            "@type": "PostalAddress",
            "streetAddress": record.street_address,
            "postalCode": record.postal_code,
            "addressLocality": record.post_office or (municipality.name.fi if municipality else None),
            "addressRegion": municipality.region.fi if municipality and municipality.region else None,
            "addressCountry": "FI",
        }),
        "geo": {"@type": "GeoCoordinates", "latitude": record.latitude, "longitude": record.longitude} if located else None,
        "containedInPlace": _area(municipality) if municipality else None,
        "additionalProperty": [
            {"@type": "PropertyValue", "name": label, "value": getattr(record, field), "unitCode": "MTK", "unitText": "m²"}
            for field, label in AREAS.items()
            if getattr(record, field) is not None
        ],
        "image": record.image_urls,
        "offers": offers[0] if len(offers) == 1 else offers,
    })


# JSON-LD is embedded in HTML `<script>` elements: these characters, escaped, can never close one
# (`</script>`) or start markup. In JSON they occur only inside strings, where the escapes mean the same.
HTML_SAFE = {b"<": b"\\u003c", b">": b"\\u003e", b"&": b"\\u0026"}


def dumps(document: dict) -> bytes:
    text = jsonio.dumps(document)
    for character, escaped in HTML_SAFE.items():
        text = text.replace(character, escaped)
    return text


def public_url(endpoint: str, **values) -> str:
    """An absolute link under PUBLIC_BASE_URL; the request's Host is whatever the client wrote."""
    return current_app.config["PUBLIC_BASE_URL"] + url_for(endpoint, **values)


def _response(description: str, example: dict) -> dict:
    """The OpenAPI description of a JSON-LD answer (keyword arguments of `alt_response`)."""
    schema = {
        "type": "object",
        "required": ["@context", "@type", "@id"],
        "properties": {
            "@context": {"const": CONTEXT},
            "@type": {
                "anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}],
                "description": "The schema.org type, or types (a site is both a Place and a Product).",
            },
            "@id": {"type": "string", "format": "uri", "description": "The record's absolute URL."},
        },
        "additionalProperties": True,
        "description": "schema.org JSON-LD; the other properties follow schema.org.",
    }
    return {"schema": schema, "description": description, "example": example}


COMPANY_RESPONSE = _response(
    "The company; with `Accept: application/ld+json` as schema.org JSON-LD: an Organization, or a "
    "LocalBusiness when the company has coordinates.",
    {
        "@context": CONTEXT,
        "@type": "LocalBusiness",
        "@id": "https://directory.example/api/v1/companies/8b0f8a6e-2a53-4a8e-9d7e-3f1c0c6f9a11",
        "name": "Karstulan Puutuote Oy",
        "description": [{"@language": "fi", "@value": "Sahatavaraa ja hirsitaloja."}],
        "url": "https://www.puutuote.example",
        "identifier": {"@type": "PropertyValue", "propertyID": "Y-tunnus", "value": "0112038-9"},
        "vatID": "FI01120389",
        "address": {"@type": "PostalAddress", "streetAddress": "Keskustie 1", "postalCode": "43500",
                    "addressLocality": "KARSTULA", "addressCountry": "FI"},
        "geo": {"@type": "GeoCoordinates", "latitude": 62.878, "longitude": 24.8},
        "numberOfEmployees": {"@type": "QuantitativeValue", "minValue": 10, "maxValue": 19},
        "areaServed": {"@type": "AdministrativeArea", "name": "Karstula", "identifier": "226"},
    },
)
EVENT_RESPONSE = _response(
    "The event; with `Accept: application/ld+json` as a schema.org Event whose `offers.validThrough` is "
    "the registration deadline.",
    {
        "@context": CONTEXT,
        "@type": "Event",
        "@id": "https://directory.example/api/v1/events/5c1d3a52-7f0e-4b8e-9a51-2020120809a0",
        "name": [{"@language": "fi", "@value": "Sijoittumisstrategian työpaja"}],
        "startDate": "2020-12-08T09:00:00+02:00",
        "endDate": "2020-12-08T12:00:00+02:00",
        "eventAttendanceMode": SCHEMA + "OnlineEventAttendanceMode",
        "eventStatus": SCHEMA + "EventScheduled",
        "location": {"@type": "VirtualLocation", "url": "https://registration.example/workshop"},
        "organizer": {"@type": "Organization", "name": "Kehittämisyhtiö Karstulanseutu Oy"},
        "offers": {"@type": "Offer", "url": "https://registration.example/workshop",
                   "validThrough": "2020-12-02T16:00:00+02:00", "availability": SCHEMA + "InStock"},
    },
)
SITE_RESPONSE = _response(
    "The site; with `Accept: application/ld+json` as schema.org JSON-LD: a Place and Product (schema.org gives "
    "`offers` to products only) with its PostalAddress, GeoCoordinates, areas as PropertyValues (unitCode MTK, m²) "
    "and an Offer per way it is offered (businessFunction Sell or LeaseOut), priced in EUR when it has a price.",
    {
        "@context": CONTEXT,
        "@type": SITE_TYPES,
        "@id": "https://directory.example/api/v1/sites/3d2f7c1e-5b4a-4c8e-9f10-2a6b7c8d9e01",
        "name": [{"@language": "fi", "@value": "Teollisuustontti Kiertotie 4"}],
        "category": "plot",
        "address": {"@type": "PostalAddress", "streetAddress": "Kiertotie 4", "postalCode": "43500",
                    "addressLocality": "KARSTULA", "addressCountry": "FI"},
        "geo": {"@type": "GeoCoordinates", "latitude": 62.881, "longitude": 24.79},
        "containedInPlace": {"@type": "AdministrativeArea", "name": "Karstula", "identifier": "226"},
        "additionalProperty": [{"@type": "PropertyValue", "name": "plot area", "value": 12000, "unitCode": "MTK", "unitText": "m²"}],
        "offers": {
            "@type": "Offer", "businessFunction": SELL, "availability": SCHEMA + "InStock", "availabilityStarts": "2027-01-01",
            "price": 4, "priceCurrency": "EUR",
            "priceSpecification": {"@type": "UnitPriceSpecification", "price": 4, "priceCurrency": "EUR", **PRICE_UNITS["per_m2"]},
        },
    },
)
