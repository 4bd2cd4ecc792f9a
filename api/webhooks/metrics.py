"""What /metrics tells of webhooks, read from the database so that every worker on every host counts."""

import logging

from flask import Flask
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from api.extensions import db
from api.models import WebhookDeliveryCount, WebhookMessage, WebhookSubscription
from api.models.base import utcnow
from api.observability import add_collector
from api.webhooks.delivery import OUTCOMES

log = logging.getLogger(__name__)
DELIVERIES = ("directory_webhook_deliveries", "Webhook delivery attempts by outcome: delivered, retrying, failed, disabled (410).")
OLDEST_PENDING = (
    "directory_webhook_oldest_pending_seconds",
    "Age of the oldest message still waiting for delivery to an active subscription (0 when none waits).",
)


class WebhookMetrics(Collector):
    def describe(self):
        return [CounterMetricFamily(*DELIVERIES, labels=["outcome"]), GaugeMetricFamily(*OLDEST_PENDING)]

    def collect(self):
        try:
            counts = dict(db.session.execute(select(WebhookDeliveryCount.outcome, WebhookDeliveryCount.count)).all())
            oldest = db.session.scalar(
                select(func.min(WebhookMessage.created_at))
                .join(WebhookSubscription, WebhookSubscription.id == WebhookMessage.subscription_id)
                .where(WebhookMessage.status == "pending", WebhookSubscription.active)
            )
        except SQLAlchemyError as error:  # /metrics still answers with everything else
            db.session.rollback()
            log.warning("webhook metrics unavailable: %s", error)
            return
        deliveries = CounterMetricFamily(*DELIVERIES, labels=["outcome"])
        for outcome in OUTCOMES:
            deliveries.add_metric([outcome], counts.get(outcome, 0))
        yield deliveries
        yield GaugeMetricFamily(*OLDEST_PENDING, value=(utcnow() - oldest).total_seconds() if oldest else 0)


def register_metrics(app: Flask) -> None:
    add_collector(app, WebhookMetrics())
