"""Adapters: PostgreSQL+pgvector, S3, the embedder over HTTP."""
