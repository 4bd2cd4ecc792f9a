"""Liveness, readiness and metrics, outside the versioned API."""

import marshmallow as ma
from flask.views import MethodView
from sqlalchemy import text

from api.errors import problem
from api.extensions import db
from api.smorest import Blueprint, Schema

blp = Blueprint("operations", __name__, description="Probes for load balancers and orchestrators.")


class HealthSchema(Schema):
    status = ma.fields.String(metadata={"example": "ok"})


@blp.route("/healthz")
class Liveness(MethodView):
    @blp.response(200, HealthSchema)
    @blp.doc(operationId="getLiveness")
    def get(self):
        """The process is alive (the database is not consulted)"""
        return {"status": "ok"}


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
            return problem(503, "The database is not reachable.", headers={"Retry-After": "5"})
        return {"status": "ready"}


METRICS_PATH = {
    "get": {
        "tags": ["operations"],
        "operationId": "getMetrics",
        "security": [],
        "summary": "Prometheus metrics: request counts and latency by route and status",
        "responses": {
            "200": {"description": "Prometheus text format", "content": {"text/plain": {"schema": {"type": "string"}}}},
            "default": {"$ref": "#/components/responses/DEFAULT_ERROR"},
        },
    }
}
