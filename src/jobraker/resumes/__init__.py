"""Resume files: type detection and text extraction, and encrypted storage at rest."""
