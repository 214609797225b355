"""Jobraker: an event-sourced backend for autonomous job search and application."""

__version__ = "0.1.0"
