"""SCIM's discovery endpoints (RFC 7644 §4): ServiceProviderConfig, ResourceTypes, Schemas.
They describe the service and need the SCIM token like the rest."""

from typing import Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.routing import APIRoute
from scim2_models import Context, ListResponse, Meta, NotFoundException, ResourceType, Schema

from backend.domain.model import ApiKey
from backend.handler.scim import groups, users
from backend.handler.scim.declared import CONFIG, RESOURCE_TYPES, SCHEMAS
from backend.handler.scim.protocol import ScimResponse, ScimRoute, error_response, scim_caller

router = APIRouter(prefix="/scim/v2", route_class=ScimRoute, include_in_schema=False)


def _with_meta(item: Any, kind: str, key: str, request: Request) -> Any:
    described = item.model_copy(deep=True)
    base = str(request.url_for("scim_config")).removesuffix("ServiceProviderConfig")
    described.meta = Meta(resource_type=kind, location=f"{base}{kind}s/{key}")
    return described


def _listing(items: list[Any], model: Any) -> Response:
    answer = ListResponse[model](  # type: ignore[valid-type]
        total_results=len(items), start_index=1, items_per_page=len(items), resources=items
    )
    return ScimResponse(answer.model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE))


def _one(items: list[Any], key: str) -> Any:
    for item in items:
        if str(item.id) == key:
            return item
    raise NotFoundException(detail=f"no {key} here")


@router.get("/ServiceProviderConfig", name="scim_config")
async def service_provider_config(request: Request, _: ApiKey = Depends(scim_caller)) -> Response:
    config = CONFIG.model_copy(deep=True)
    config.meta = Meta(resource_type="ServiceProviderConfig", location=str(request.url))
    return ScimResponse(config.model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE))


@router.get("/ResourceTypes")
async def resource_types(request: Request, _: ApiKey = Depends(scim_caller)) -> Response:
    described = [_with_meta(t, "ResourceType", str(t.id), request) for t in RESOURCE_TYPES]
    return _listing(described, ResourceType)


@router.get("/ResourceTypes/{name}")
async def resource_type(name: str, request: Request, _: ApiKey = Depends(scim_caller)) -> Response:
    found = _one(RESOURCE_TYPES, name)
    described = _with_meta(found, "ResourceType", name, request)
    return ScimResponse(described.model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE))


@router.get("/Schemas")
async def schemas(request: Request, _: ApiKey = Depends(scim_caller)) -> Response:
    return _listing([_with_meta(s, "Schema", str(s.id), request) for s in SCHEMAS], Schema)


@router.get("/Schemas/{urn}")
async def schema(urn: str, request: Request, _: ApiKey = Depends(scim_caller)) -> Response:
    described = _with_meta(_one(SCHEMAS, urn), "Schema", urn, request)
    return ScimResponse(described.model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE))


@router.api_route(
    "/{anything:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"], name="scim_unknown"
)
async def unknown(anything: str, request: Request, _: ApiKey = Depends(scim_caller)) -> Response:
    """Anything else under /scim/v2: a SCIM 405 where the path is served with other methods,
    else a SCIM 404 (main includes this router last)."""
    allowed = sorted(
        method
        for route in (*users.router.routes, *groups.router.routes, *router.routes)
        if isinstance(route, APIRoute)
        and route.name != "scim_unknown"
        and route.path_regex.match(request.url.path)
        for method in route.methods or ()
    )
    if allowed:
        answer = error_response(405, f"use {', '.join(allowed)} on this path")
        answer.headers["Allow"] = ", ".join(allowed)
        return answer
    raise NotFoundException(detail=f"/scim/v2/{anything} is not a resource here")
