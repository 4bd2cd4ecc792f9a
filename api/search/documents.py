"""What each searchable record is found by, in three weighted fields: title, keywords and body."""

from dataclasses import dataclass

from api.domain.industry import industry
from api.models import Company, Event, Spearhead
from api.models.base import LocalizedText


@dataclass(frozen=True)
class Texts:
    title: list[str]
    keywords: list[str]
    body: list[str]


def _languages(text: LocalizedText | None) -> list[str]:
    return [value for value in (text.fi, text.sv, text.en) if value] if text else []


def _label(code: str | None) -> list[str]:
    return list(industry(code).label.values()) if code else []


def company(record: Company, places: dict[str, list[str]]) -> Texts:
    return Texts(
        title=[record.name],
        keywords=[*record.tags, *_label(record.industry_code), record.post_office or "", *places.get(record.municipality, [])],
        body=_languages(record.description),
    )


def event(record: Event, places: dict[str, list[str]]) -> Texts:
    return Texts(
        title=_languages(record.title),
        keywords=[
            record.location_name or "",
            record.street_address or "",
            *(name for municipality in record.municipalities for name in places.get(municipality.code, [])),
        ],
        body=_languages(record.description),
    )


def spearhead(record: Spearhead, places: dict[str, list[str]]) -> Texts:
    return Texts(title=_languages(record.title), keywords=_languages(record.summary), body=_languages(record.description))


KINDS = {Company: ("company", company), Event: ("event", event), Spearhead: ("spearhead", spearhead)}
