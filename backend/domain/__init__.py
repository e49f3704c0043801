"""The domain: models, errors, ports and use cases. Standard library only."""
