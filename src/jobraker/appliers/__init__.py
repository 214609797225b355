"""Applying on a candidate's behalf: Skyvern (browser automation) or the dry-run applier."""
