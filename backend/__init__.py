"""facegate backend: enrollment and check-in on PostgreSQL+pgvector and S3."""
