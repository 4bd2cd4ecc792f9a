"""Webhook subscriptions: /api/v1/webhooks, their delivery log and test messages."""
