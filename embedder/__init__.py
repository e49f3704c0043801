"""facegate embedder: image bytes in, faces, quality figures and embeddings out."""
