"""Swagger UI and ReDoc assets served from the installed drf-spectacular-sidecar package, never a CDN."""

from importlib.util import find_spec
from pathlib import Path

from flask import Blueprint, send_from_directory

# find_spec locates the package without importing it (its __init__ imports Django, which we never use).
_STATIC = Path(find_spec("drf_spectacular_sidecar").submodule_search_locations[0]) / "static" / "drf_spectacular_sidecar"

blp = Blueprint("docs_assets", __name__, url_prefix="/api/assets")


@blp.get("/swagger-ui/<path:filename>")
def swagger_ui(filename: str):
    return send_from_directory(_STATIC / "swagger-ui-dist", filename, max_age=86400)


@blp.get("/redoc/<path:filename>")
def redoc(filename: str):
    return send_from_directory(_STATIC / "redoc" / "bundles", filename, max_age=86400)
