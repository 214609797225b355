"""Personal data protection: per-candidate data keys wrapped by the master key (crypto-shredding)."""
