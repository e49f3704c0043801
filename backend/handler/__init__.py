"""HTTP handlers: routes, schemas, auth, error mapping, pages."""
