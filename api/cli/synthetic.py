"""`flask seed --synthetic N [--sites M]`: realistic, deterministic companies, events and sites for demos and benchmarks."""

import itertools
import random
import uuid
from datetime import timedelta

from sqlalchemy import func, select

from api import records
from api.domain.business_id import business_ids
from api.domain.industry import CODE_SET
from api.extensions import db
from api.models import Company, Municipality, Spearhead
from api.models.associations import company_spearheads, event_municipalities, event_spearheads, site_spearheads
from api.models.base import utcnow
from api.records import COMPANY, EVENT, SITE, Writes

# Business IDs of synthetic companies lie in this range of serials, apart from the seed files' (98…)
# and the tests' ranges.
FIRST_SERIAL = 5_000_000
END_SERIAL = 9_000_000
EVENTS_PER_COMPANIES = 100

# (trade in a name, TOL code, tags, Finnish description, English description, spearhead slug)
TRADES = [
    ("Saha", "16100", ["saha", "sahatavara", "puutuote"], "sahaa kuusi- ja mäntytukeista sahatavaraa rakentamiseen", "saws spruce and pine logs into sawn timber for building", "wood-bioeconomy"),
    ("Hirsitalo", "16231", ["hirsitalo", "puurakentaminen"], "valmistaa hirsitaloja ja lomamökkejä kotimaahan ja vientiin", "makes log houses and holiday cottages for Finland and export", "wood-bioeconomy"),
    ("Puutuote", "16290", ["puutuote", "puusepänteollisuus"], "tekee puutuotteita, listoja ja paneeleja", "makes wood products, mouldings and panels", "wood-bioeconomy"),
    ("Metsäpalvelu", "02200", ["metsä", "puunkorjuu", "metsäkone"], "hoitaa puunkorjuuta ja metsänhoitoa metsäkoneilla", "harvests timber and tends forests with forest machines", "wood-bioeconomy"),
    ("Konepaja", "28300", ["konepaja", "metsäkoneet", "metalli"], "valmistaa metsäkoneiden ja maatalouskoneiden osia", "makes parts for forest and farm machines", "growth-internationalisation"),
    ("Kuljetus", "49410", ["kuljetus", "logistiikka", "rekka"], "kuljettaa puuta ja rakennustarvikkeita maanteitse", "hauls timber and building supplies by road", "investment-logistics"),
    ("Lomamökit", "55903", ["matkailu", "lomamökki", "järvi"], "vuokraa lomamökkejä järven rannalla ja järjestää kalastusretkiä", "rents lakeside holiday cottages and runs fishing trips", "lakes-nature-tourism"),
    ("Kalastus", "03120", ["kalastus", "kala", "järvi"], "kalastaa ja jalostaa järvikalaa", "fishes and processes lake fish", "food-agriculture"),
    ("Meijeri", "10510", ["meijeri", "juusto", "elintarvike"], "valmistaa juustoja ja maitotuotteita lähimaidosta", "makes cheese and dairy products from local milk", "food-agriculture"),
    ("Maatila", "01410", ["maatila", "maito", "maatalous"], "tuottaa maitoa ja hoitaa lypsykarjaa", "produces milk and keeps dairy cattle", "food-agriculture"),
    ("Ohjelmistot", "62010", ["ohjelmisto", "digitalisaatio", "it"], "kehittää ohjelmistoja ja verkkopalveluja yrityksille", "develops software and web services for companies", "growth-internationalisation"),
    ("Konsultointi", "70220", ["konsultointi", "kehittäminen", "yrityspalvelut"], "neuvoo yrityksiä kasvussa ja kansainvälistymisessä", "advises firms on growth and going international", "growth-internationalisation"),
]
PLACES = ["Havukankaan", "Koivulan", "Järvelän", "Mäkelän", "Niemelän", "Kuusiston", "Rantalan", "Salmen", "Harjun", "Lahdenperän", "Honkalan", "Pohjolan", "Keitele-", "Kolimaan", "Pyhäjärven", "Kivikon"]
FORMS = ["Oy", "Oy", "Oy", "Ky", "Tmi", "Osuuskunta"]
SIZE_WEIGHTS = {"0-4": 50, "5-9": 20, "10-19": 12, "20-49": 9, "50-99": 5, "100-249": 3, "250-499": 1}
STREETS = ["Keskustie", "Teollisuustie", "Sahantie", "Rantatie", "Kirkkotie", "Asematie", "Myllytie", "Koulutie"]


def _company_rows(rng: random.Random, count: int, first_serial: int, municipalities: list[Municipality], spearhead_ids: dict[str, str]):
    serials = itertools.takewhile(lambda business_id: business_id < f"{END_SERIAL:07d}", business_ids(first_serial))
    for number, business_id in zip(range(count), serials):
        trade, code, tags, fi, en, spearhead = rng.choice(TRADES)
        home = rng.choice(municipalities)
        name = f"{rng.choice(PLACES)} {trade} {rng.choice(FORMS)}".replace("- ", "-")
        place_fi = f"{home.name.fi}ssa" if home.name.fi.endswith(("a", "u", "o")) else f"{home.name.fi}ssä"
        growth = rng.random() < 0.3
        yield {
            "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            "business_id": business_id,
            "name": f"{name} {number}" if rng.random() < 0.5 else name,
            "description_fi": f"{name} {fi}. Toimipaikka sijaitsee {place_fi}.",
            "description_en": f"{name} {en}. It is based in {home.name.en or home.name.fi}.",
            "industry_code": code,
            "industry_code_set": CODE_SET,
            "municipality": home.code,
            "street_address": f"{rng.choice(STREETS)} {rng.randint(1, 120)}",
            "postal_code": home.postal_code,
            "post_office": home.name.fi.upper(),
            "latitude": round(home.latitude + rng.uniform(-0.12, 0.12), 5),
            "longitude": round(home.longitude + rng.uniform(-0.25, 0.25), 5),
            "website": f"https://www.yritys{business_id[:7]}.example",
            "email": f"info@yritys{business_id[:7]}.example",
            "phone": f"+35840{rng.randint(1_000_000, 9_999_999)}",
            "size_class": rng.choices(list(SIZE_WEIGHTS), weights=list(SIZE_WEIGHTS.values()))[0],
            "founded_year": rng.randint(1950, 2025),
            "tags": tags + (["kasvu"] if growth else []),
            "growth_seeking": growth,
            "international": rng.random() < 0.2,
            "status": "published",
            "spearhead_id": spearhead_ids.get(spearhead),
        }


def _next_serial() -> int:
    """The serial after the last synthetic Business ID ever listed (deleted companies included)."""
    synthetic = Company.business_id.between(f"{FIRST_SERIAL:07d}", f"{END_SERIAL:07d}")
    last = db.session.scalar(select(func.max(Company.business_id)).where(synthetic))
    return int(last[:7]) + 1 if last else FIRST_SERIAL


# (kind, Finnish and English name, uses, zoning, spearhead slug): what the region's business areas offer.
SITE_TYPES = [
    ("plot", "Teollisuustontti", "Industrial plot", ["industry", "warehouse"], "industrial", "investment-logistics"),
    ("plot", "Yritystontti", "Business plot", ["office", "retail", "workshop"], "business", "growth-internationalisation"),
    ("plot", "Energiatontti", "Energy plot", ["energy", "industry"], "industrial", "wood-bioeconomy"),
    ("premises", "Tuotantohalli", "Production hall", ["industry", "workshop"], "industrial", "wood-bioeconomy"),
    ("premises", "Varastohalli", "Warehouse", ["warehouse"], "industrial", "investment-logistics"),
    ("premises", "Toimistotila", "Office space", ["office"], "business", "growth-internationalisation"),
    ("premises", "Liiketila", "Retail space", ["retail", "hospitality"], "mixed", "lakes-nature-tourism"),
]
CONNECTIONS = ["electricity", "water", "sewer", "district_heating", "fibre", "road", "rail"]


def _site_rows(rng: random.Random, count: int, municipalities: list[Municipality], spearhead_ids: dict[str, str]):
    for number in range(count):
        kind, name_fi, name_en, uses, zoning, spearhead = rng.choice(SITE_TYPES)
        home = rng.choice(municipalities)
        street = f"{rng.choice(STREETS)} {rng.randint(1, 120)}"
        plot = kind == "plot"
        rent = not plot and rng.random() < 0.6
        priced = rng.random() < 0.8
        yield {
            "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            "kind": kind,
            "title_fi": f"{name_fi} {street}, {home.name.fi}",
            "title_en": f"{name_en}, {street}, {home.name.en or home.name.fi}",
            "description_fi": f"Synteettinen esimerkkikohde {number}: {name_fi.lower()} {home.name.fi}n yritysalueella.",
            "description_en": f"Synthetic example site {number}: {name_en.lower()} in the business area of {home.name.en or home.name.fi}.",
            "municipality": home.code,
            "street_address": street,
            "postal_code": home.postal_code,
            "post_office": home.name.fi.upper(),
            "latitude": round(home.latitude + rng.uniform(-0.12, 0.12), 5),
            "longitude": round(home.longitude + rng.uniform(-0.25, 0.25), 5),
            "floor_area_m2": None if plot else float(rng.randrange(100, 6000, 50)),
            "plot_area_m2": float(rng.randrange(2000, 60000, 500)) if plot or rng.random() < 0.5 else None,
            "uses": uses,
            "zoning": zoning,
            "availability": rng.choices(["available", "reserved", "taken"], weights=[8, 1, 1])[0],
            "offer": "rent" if rent else rng.choice(["sale", "sale_or_rent"]),
            "price_amount": (round(rng.uniform(4, 12), 1) if rent else float(rng.randint(2, 15))) if priced else None,
            "price_unit": ("per_m2_month" if rent else "per_m2") if priced else None,
            "available_from": None,
            "connections": [name for name in CONNECTIONS if rng.random() < (0.2 if name == "rail" else 0.7)],
            "owner": {"name": f"{home.name.fi}n kunta", "company": None},
            "contact": None,
            "image_urls": [],
            "status": "published",
            "spearhead_id": spearhead_ids.get(spearhead),
        }


def add_synthetic(count: int, random_seed: int, sites: int = 0) -> dict[str, int]:
    """Add `count` new companies, count/100 events and `sites` sites in one transaction; the same seed gives the same data.

    Each run adds companies after those of earlier runs (Business IDs go on from the last one), so
    `--synthetic 10000` then `--synthetic 90000` makes 100,000.
    """
    first_serial = _next_serial()
    # A later run draws from a stream of its own (ids and all); the first keeps the data it always had.
    rng = random.Random(random_seed if first_serial == FIRST_SERIAL else f"{random_seed}:{first_serial}")
    municipalities = list(db.session.scalars(select(Municipality).where(Municipality.latitude.is_not(None)).order_by(Municipality.code)))
    if not municipalities:
        raise ValueError("Load the region first (`flask seed`): synthetic companies are placed in its municipalities.")
    spearhead_ids = dict(db.session.execute(select(Spearhead.slug, Spearhead.id).where(Spearhead.deleted_at.is_(None))).all())

    rows = list(_company_rows(rng, count, first_serial, municipalities, spearhead_ids))
    links = [{"company_id": row["id"], "spearhead_id": row["spearhead_id"]} for row in rows if row["spearhead_id"]]
    for row in rows:
        del row["spearhead_id"]
    # Drawn from a stream of their own, so that adding sites leaves the companies and events as they were.
    site_rows = list(_site_rows(random.Random(f"{random_seed}:sites:{first_serial}"), sites, municipalities, spearhead_ids))
    site_links = [{"site_id": row["id"], "spearhead_id": row.pop("spearhead_id")} for row in site_rows]
    with records.transaction() as writes:
        writes.insert_many(COMPANY, rows, {company_spearheads: links})
        events = _add_events(writes, rng, len(rows) // EVENTS_PER_COMPANIES, municipalities, list(spearhead_ids.values()))
        writes.insert_many(SITE, site_rows, {site_spearheads: [link for link in site_links if link["spearhead_id"]]})
    return {"companies": len(rows), "events": events, "sites": len(site_rows)}


def _add_events(writes: Writes, rng: random.Random, count: int, municipalities: list[Municipality], spearhead_ids: list[str]) -> int:
    topics = [("Yrittäjäaamu", "Entrepreneurs' breakfast"), ("Vientikoulutus", "Export training"), ("Metsäpäivä", "Forest day"), ("Rekrytointitapahtuma", "Recruitment fair")]
    today = utcnow()
    rows, places, themes = [], [], []
    for _ in range(count):
        title_fi, title_en = rng.choice(topics)
        home = rng.choice(municipalities)
        start = today.replace(hour=7, minute=0, second=0, microsecond=0) + timedelta(days=rng.randint(-400, 400))
        event_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        online = rng.random() < 0.3
        rows.append({
            "id": event_id, "title_fi": f"{title_fi} {home.name.fi}", "title_en": f"{title_en} in {home.name.fi}",
            "description_fi": f"{title_fi} kokoaa alueen yrittäjät yhteen.", "description_en": f"{title_en} brings the region's entrepreneurs together.",
            "start_time": start, "end_time": start + timedelta(hours=rng.choice([2, 3, 4])),
            "is_online": online, "location_name": None if online else f"{home.name.fi}n kunnantalo",
            "registration_deadline": start - timedelta(days=rng.randint(1, 10)),
            "target_groups": [{"fi": "yrittäjät", "en": "entrepreneurs"}], "event_status": "scheduled", "status": "published",
        })
        places.append({"event_id": event_id, "municipality_code": home.code})
        if spearhead_ids:
            themes.append({"event_id": event_id, "spearhead_id": rng.choice(spearhead_ids)})
    writes.insert_many(EVENT, rows, {event_municipalities: places, event_spearheads: themes})
    return len(rows)
