"""GeoJSON (RFC 7946): a page of records as a FeatureCollection of points."""

from api.jsonio import dumps
from api.serialization import plan_for

MEDIA_TYPE = "application/geo+json"

POINT = {
    "type": "object",
    "required": ["type", "coordinates"],
    "properties": {
        "type": {"const": "Point"},
        "coordinates": {"type": "array", "items": {"type": "number"}, "minItems": 2, "maxItems": 2, "description": "[longitude, latitude]"},
    },
}


COMPANY_EXAMPLE = {"id": "8b0f8a6e-2a53-4a8e-9d7e-3f1c0c6f9a11", "business_id": "0112038-9", "name": "Karstulan Puutuote Oy"}


def feature_collection_schema(properties_ref: str, example: dict = COMPANY_EXAMPLE) -> dict:
    """The OpenAPI schema of a FeatureCollection whose properties are the given component (`example`: one record's)."""
    return {
        "type": "object",
        "required": ["type", "features"],
        "properties": {
            "type": {"const": "FeatureCollection"},
            "features": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["type", "id", "geometry", "properties"],
                    "properties": {
                        "type": {"const": "Feature"},
                        "id": {"type": "string", "description": "The record's id."},
                        "geometry": {"oneOf": [POINT, {"type": "null"}], "description": "null when the record has no coordinates."},
                        "properties": {"$ref": properties_ref},
                    },
                },
            },
        },
        "example": {
            "type": "FeatureCollection",
            "features": [
                {"type": "Feature", "id": example["id"], "geometry": {"type": "Point", "coordinates": [24.8, 62.878]}, "properties": example}
            ],
        },
    }


def feature(properties: dict, latitude: float | None, longitude: float | None) -> dict:
    geometry = None
    if latitude is not None and longitude is not None:
        geometry = {"type": "Point", "coordinates": [longitude, latitude]}
    return {"type": "Feature", "id": properties["id"], "geometry": geometry, "properties": properties}


def feature_collection(items: list, schema_class) -> dict:
    """Each record's fields become its feature's properties; tombstones have no geometry."""
    plan = plan_for(schema_class)
    features = []
    for item in items:
        located = item.deleted_at is None
        features.append(feature(plan.dump(item), item.latitude if located else None, item.longitude if located else None))
    return {"type": "FeatureCollection", "features": features}


def writer(schema_class):
    """Renders a page of records as a FeatureCollection (for records.read_page)."""
    return lambda items: dumps(feature_collection(items, schema_class))
