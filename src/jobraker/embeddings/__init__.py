"""Text embeddings: a provider interface, a local default and OpenAI-compatible servers,
with every distinct text embedded once (content-hash cache)."""
