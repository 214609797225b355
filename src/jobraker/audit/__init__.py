"""Tamper evidence: every stored event chained by hash, and a verifier that walks the log."""
