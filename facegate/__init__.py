"""facegate's command line and local launcher, shared by the embedder and the backend."""
