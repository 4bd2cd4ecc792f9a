"""Great-circle distances computed alike everywhere: Python (SQLite's function, answers) and PostgreSQL SQL."""

import math
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, func, or_

EARTH_RADIUS_KM = 6371.0088  # the IUGG mean radius
KM_PER_DEGREE_LATITUDE = math.pi * EARTH_RADIUS_KM / 180
SQLITE_FUNCTION = "haversine_km"


@dataclass(frozen=True)
class Point:
    lat: float
    lon: float


@dataclass(frozen=True)
class Box:
    """RFC 7946 order: west, south, east, north; west > east crosses the antimeridian."""

    min_lon: float
    min_lat: float
    max_lon: float
    max_lat: float


# Finland's extent with a margin of a few kilometres (Åland in the west, Utsjoki in the north).
FINLAND = Box(min_lon=19.0, min_lat=59.4, max_lon=31.7, max_lat=70.2)


def contains(box: Box, lat: float, lon: float) -> bool:
    within_lon = box.min_lon <= lon <= box.max_lon if box.min_lon <= box.max_lon else lon >= box.min_lon or lon <= box.max_lon
    return box.min_lat <= lat <= box.max_lat and within_lon


def haversine_km(lat1: float | None, lon1: float | None, lat2: float | None, lon2: float | None) -> float | None:
    """The haversine distance; every step matches distance_sql() so both databases agree to the last bit."""
    if None in (lat1, lon1, lat2, lon2):
        return None
    half_dlat = math.sin(math.radians(lat2 - lat1) / 2)
    half_dlon = math.sin(math.radians(lon2 - lon1) / 2)
    h = half_dlat * half_dlat + math.cos(math.radians(lat1)) * math.cos(math.radians(lat2)) * half_dlon * half_dlon
    # Rounding can push h a hair above 1 for antipodal points, where asin would fail.
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(min(1.0, h)))


def distance_sql(lat: ColumnElement, lon: ColumnElement, origin: Point, dialect: str) -> ColumnElement[float]:
    if dialect == "sqlite":
        return func.haversine_km(lat, lon, origin.lat, origin.lon)
    half_dlat = func.sin(func.radians(origin.lat - lat) / 2)
    half_dlon = func.sin(func.radians(origin.lon - lon) / 2)
    h = half_dlat * half_dlat + func.cos(func.radians(lat)) * func.cos(math.radians(origin.lat)) * half_dlon * half_dlon
    return 2 * EARTH_RADIUS_KM * func.asin(func.sqrt(func.least(1.0, h)))


def around(origin: Point, radius_km: float) -> Box:
    """A box that holds the circle, so an index on (latitude, longitude) can narrow the rows first."""
    dlat = radius_km / KM_PER_DEGREE_LATITUDE
    cos_lat = math.cos(math.radians(origin.lat))
    dlon = 180.0 if cos_lat < 1e-6 else min(180.0, dlat / cos_lat)
    return Box(
        min_lon=max(-180.0, origin.lon - dlon),
        min_lat=max(-90.0, origin.lat - dlat),
        max_lon=min(180.0, origin.lon + dlon),
        max_lat=min(90.0, origin.lat + dlat),
    )


def in_box(lat: ColumnElement, lon: ColumnElement, box: Box) -> ColumnElement[bool]:
    within_lat = lat.between(box.min_lat, box.max_lat)
    if box.min_lon <= box.max_lon:
        return and_(within_lat, lon.between(box.min_lon, box.max_lon))
    return and_(within_lat, or_(lon >= box.min_lon, lon <= box.max_lon))


def register_sqlite_function(dbapi_connection) -> None:
    dbapi_connection.create_function(SQLITE_FUNCTION, 4, haversine_km, deterministic=True)
