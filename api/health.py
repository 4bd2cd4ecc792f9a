"""Liveness, readiness and metrics, outside the versioned API."""

import marshmallow as ma
from flask import current_app
from flask.views import MethodView
from sqlalchemy import text
from werkzeug.routing import Rule

from api.errors import problem
from api.extensions import db
from api.i18n import _
from api.jsonio import dumps
from api.smorest import Blueprint, Schema

blp = Blueprint("operations", __name__, description="Probes for load balancers and orchestrators.")


class HealthSchema(Schema):
    status = ma.fields.String(metadata={"example": "ok"})


# Probed every few seconds by every load balancer: the same bytes each time, serialised once.
ALIVE = dumps(HealthSchema().dump({"status": "ok"}))


@blp.route("/healthz")
class Liveness(MethodView):
    @blp.documented_response(200, HealthSchema)
    @blp.doc(operationId="getLiveness")
    def get(self):
        """The process is alive (the database is not consulted)"""
        return current_app.response_class(ALIVE, mimetype="application/json")


@blp.route("/readyz")
class Readiness(MethodView):
    @blp.response(200, HealthSchema)
    @blp.errors(503)
    @blp.doc(operationId="getReadiness")
    def get(self):
        """The database answers; a load balancer should stop routing here otherwise"""
        try:
            db.session.execute(text("SELECT 1"))
        except Exception:  # whatever the failure, the instance cannot serve
            db.session.rollback()
            return problem(503, _("The database is not reachable."), headers={"Retry-After": "5"})
        return {"status": "ready"}


METRICS_SECURITY_SCHEME = "MetricsToken"
METRICS_PATH = {
    "get": {
        "tags": ["operations"],
        "operationId": "getMetrics",
        "summary": "Prometheus metrics: request counts and latency by route and status",
        "description": "Open unless the server sets `METRICS_TOKEN`; then it needs `Authorization: Bearer <METRICS_TOKEN>`.",
        "security": [{}, {METRICS_SECURITY_SCHEME: []}],
        "responses": {
            "200": {
                "description": "Prometheus text format",
                "content": {"text/plain": {"schema": {"type": "string"}, "example": "directory_http_request_total{method=\"GET\",status=\"200\",url_rule=\"/api/v1/companies\"} 12.0\n"}},
            },
            "401": {"$ref": "#/components/responses/UNAUTHORIZED"},
            "default": {"$ref": "#/components/responses/DEFAULT_ERROR"},
        },
    }
}


def document_metrics(spec) -> None:
    """/metrics is served by the Prometheus exporter, outside the blueprints: described here."""
    spec.components.security_scheme(
        METRICS_SECURITY_SCHEME,
        {"type": "http", "scheme": "bearer", "description": "The server's `METRICS_TOKEN`, when it sets one."},
    )
    spec.path(rule=Rule("/metrics"), operations=METRICS_PATH)
