"""Read models built from the event log. Each projection moves its position in the
same transaction as its writes, so a crash never skips or double-applies an event."""
