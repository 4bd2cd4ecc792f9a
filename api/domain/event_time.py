"""Event times are entered and shown in Europe/Helsinki; local times that do not exist or happen twice are refused."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from api.i18n import _

HELSINKI = ZoneInfo("Europe/Helsinki")


class AmbiguousLocalTime(ValueError):
    pass


def to_utc(value: datetime) -> datetime:
    """Resolve a time to UTC; a time without an offset is read as Helsinki local time.

    A local time in the spring gap (03:00–03:59 on the last Sunday of March) does not exist,
    and one in the autumn overlap happens twice: both are refused rather than guessed.
    """
    if value.tzinfo is not None:
        return value.astimezone(UTC)
    first = value.replace(tzinfo=HELSINKI, fold=0)
    second = value.replace(tzinfo=HELSINKI, fold=1)
    if first.utcoffset() != second.utcoffset():
        gap = first.astimezone(UTC).astimezone(HELSINKI).replace(tzinfo=None) != value
        if gap:
            raise AmbiguousLocalTime(
                _("%(time)s does not exist in Europe/Helsinki (clocks go forward); give an offset.", time=value.isoformat())
            )
        raise AmbiguousLocalTime(
            _("%(time)s happens twice in Europe/Helsinki (clocks go back); give the offset, +03:00 or +02:00.", time=value.isoformat())
        )
    return first.astimezone(UTC)


def to_helsinki(value: datetime) -> datetime:
    return value.astimezone(HELSINKI)
