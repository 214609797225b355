"""Job sources. Adzuna today: its wire format, a quota shared by all workers, ingestion."""
