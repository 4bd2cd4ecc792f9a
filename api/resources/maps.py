"""What every list with places shares: the box and circle filters, distances, and the GeoJSON answer."""

from flask import g
from sqlalchemy import Select

from api import geo
from api.extensions import db
from api.formats import geojson
from api.negotiation import preferred, vary_on_accept
from api.resources import records
from api.resources.schemas import DEFAULT_RADIUS_KM


def distance_column(model, args: dict):
    """The SQL distance from the `near` point (for `sort=distance_km`); None without one."""
    if "near" not in args:
        return None
    return geo.distance_sql(model.latitude, model.longitude, args["near"], db.engine.dialect.name)


def located(query: Select, model, args: dict) -> Select:
    """Apply `bbox` and `near` + `radius_km`; a `near` answer then carries each record's `distance_km`."""
    if "bbox" in args:
        query = query.where(geo.in_box(model.latitude, model.longitude, args["bbox"]))
    if "near" in args:
        origin, radius_km = args["near"], args.get("radius_km", DEFAULT_RADIUS_KM)
        g.distance_origin = origin  # each answer's distance_km (see LocatedSchema)
        query = query.where(
            geo.in_box(model.latitude, model.longitude, geo.around(origin, radius_km)), distance_column(model, args) <= radius_km
        )
    return query


def list_answer(model, schema, args: dict, query):
    """One page of `query()` as JSON, or as a GeoJSON FeatureCollection when the client asks for it."""
    if preferred("application/json", geojson.MEDIA_TYPE) == geojson.MEDIA_TYPE:
        return vary_on_accept(
            records.read_page(model, args, schema, query, render=geojson.writer(schema), media_type=geojson.MEDIA_TYPE)
        )
    return vary_on_accept(records.read_page(model, args, schema, query))


def geojson_response(component: str, what: str, example: dict) -> dict:
    """The same page as GeoJSON, documented beside the JSON answer of status 200 (`example`: one record's fields)."""
    return {
        "schema": geojson.feature_collection_schema(f"#/components/schemas/{component}", example),
        "content_type": geojson.MEDIA_TYPE,
        "description": "The page as a JSON array, or with `Accept: application/geo+json` as an RFC 7946 "
        f"FeatureCollection (coordinates [lon, lat], Feature id = {what} id, the {what}'s fields in properties; "
        "its own strong ETag).",
        "success": True,
    }
