"""How a route reaches the services bootstrap built for its app."""

from fastapi import Request

from backend.domain.app import Services


async def services(request: Request) -> Services:
    """Async though it awaits nothing: FastAPI runs a plain `def` dependency in its thread
    pool, a hand-off to a worker thread and back on every request for one attribute."""
    found: Services = request.app.state.services
    return found
