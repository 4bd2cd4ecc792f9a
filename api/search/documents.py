"""What each searchable record is found by, in three weighted fields (title, keywords, body), and its name for type-ahead."""

from dataclasses import dataclass

from api.domain.industry import industry
from api.models import Action, Company, Event, Site, Spearhead
from api.models.base import LocalizedText


@dataclass(frozen=True)
class Texts:
    label: str
    title: list[str]
    keywords: list[str]
    body: list[str]
    # The code of the one municipality the record is in, if it has that column: a search with a
    # municipality filter narrows by it inside PostgreSQL's full-text index.
    municipality: str | None = None


def _languages(text: LocalizedText | None) -> list[str]:
    return [value for value in (text.fi, text.sv, text.en) if value] if text else []


def _label(code: str | None) -> list[str]:
    return list(industry(code).label.values()) if code else []


# Only the record's own columns: a document then changes exactly when its record is written (and
# stamped), which the list answers' ETags and cache rely on. The post office names the place.
def company(record: Company) -> Texts:
    return Texts(
        label=record.name,
        title=[record.name],
        keywords=[*record.tags, *_label(record.industry_code), record.post_office or ""],
        body=_languages(record.description),
        municipality=record.municipality,
    )


def event(record: Event) -> Texts:
    return Texts(
        label=record.title.fi or "",
        title=_languages(record.title),
        keywords=[record.location_name or "", record.street_address or ""],
        body=_languages(record.description),
    )


def spearhead(record: Spearhead) -> Texts:
    return Texts(
        label=record.title.fi or "",
        title=_languages(record.title),
        keywords=_languages(record.summary),
        body=_languages(record.description),
    )


def site(record: Site) -> Texts:
    return Texts(
        label=record.title.fi or "",
        title=_languages(record.title),
        keywords=[record.street_address or "", record.post_office or ""],
        body=_languages(record.description),
        municipality=record.municipality,
    )


def action(record: Action) -> Texts:
    return Texts(
        label=record.title.fi or "",
        title=_languages(record.title),
        keywords=[(record.responsible or {}).get("name") or ""],
        body=[*_languages(record.description), *_languages(record.progress_note)],
    )


# A new searchable resource needs only its entry here: documents, typo corrections and type-ahead follow.
KINDS = {Company: ("company", company), Event: ("event", event), Spearhead: ("spearhead", spearhead), Site: ("site", site), Action: ("action", action)}
