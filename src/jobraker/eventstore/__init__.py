"""The event store as Jobraker uses it: the eventsourcing Postgres recorder with
personal fields encrypted per candidate and correlation metadata on every event."""
