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


def event(**changes) -> dict:
    return {
        "title": {"fi": "Sijoittumisstrategian työpaja"},
        "start_time": "2020-12-08T09:00:00+02:00",
        "end_time": "2020-12-08T12:00:00+02:00",
        "is_online": True,
        **changes,
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
