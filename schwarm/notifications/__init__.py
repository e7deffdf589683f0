"""Notifications: who is told of what. :func:`services.notify` is the one way in."""
