"""Webhooks: subscriptions are told of every change they may see, signed (Standard Webhooks), retried, in order."""
