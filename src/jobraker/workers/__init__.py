"""Dramatiq actors, the relay (events → messages) and the scheduler."""
