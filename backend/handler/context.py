"""How a route reaches the services bootstrap built for its app."""

from fastapi import Request

from backend.domain.app import Services


def services(request: Request) -> Services:
    found: Services = request.app.state.services
    return found
