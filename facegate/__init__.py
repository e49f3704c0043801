"""facegate's command line and local launcher (make run, make cluster): the top floor,
above the embedder and the backend."""
