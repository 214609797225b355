"""Who can log in: candidates (projected from their events), auditors and staff."""
