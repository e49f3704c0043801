"""/scim/v2/Users: create, read, list (filter, paging), replace, PATCH, delete."""

from functools import partial
from typing import Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.concurrency import run_in_threadpool
from scim2_models import (
    Context,
    PatchOp,
    ScimFilter,
)

from backend.domain.app import Services
from backend.domain.audit import Actor
from backend.domain.directory_model import DirectoryPerson
from backend.domain.model import ApiKey
from backend.handler.context import services
from backend.handler.scim.declared import (
    ENTERPRISE_ATTRIBUTES,
    ENTERPRISE_SCHEMA,
    NAME_PARTS,
    POLICY,
    STANDARD_USER,
    USER,
    USER_ATTRIBUTES,
)
from backend.handler.scim.listing import (
    SEARCH_KEYS,
    asked_search,
    indexed_equality,
    list_response,
    page_of,
)
from backend.handler.scim.mapping import dump, from_user, to_user
from backend.handler.scim.protocol import ScimResponse, ScimRoute, json_body, scim_caller

router = APIRouter(prefix="/scim/v2", route_class=ScimRoute, include_in_schema=False)
# Filters on these, with `eq`, are answered by the database; any other by reading the
# directory page by page and matching each person (a company's size, not a search engine's).
INDEXED = {"username": "user_name", "externalid": "external_id"}
SCAN_PAGE = 500


@router.get("/Users", name="scim_list_users")
async def list_users(
    request: Request, _: ApiKey = Depends(scim_caller), found: Services = Depends(services)
) -> Response:
    """A ListResponse; `filter`, `startIndex` (from 1), `count` (at most 200)."""
    given = {k: v for k, v in request.query_params.items() if k in SEARCH_KEYS}
    return await _answer_search(request, found, given)


@router.post("/Users/.search", name="scim_search_users")
async def search_users(
    request: Request, _: ApiKey = Depends(scim_caller), found: Services = Depends(services)
) -> Response:
    """A SearchRequest in the body (RFC 7644 §3.4.3): the same as GET /Users."""
    return await _answer_search(request, found, await json_body(request))


async def _answer_search(request: Request, found: Services, given: Any) -> Response:
    asked = asked_search(USER, given)
    start, count = page_of(asked)
    people, total = await run_in_threadpool(search, found, asked.filter, start, count)
    return list_response(USER, asked, [to_user(p, request) for p in people], total)


def search(
    found: Services, given: ScimFilter[Any] | None, start: int, count: int
) -> tuple[list[DirectoryPerson], int]:
    if given is None:
        return found.directory.find(None, None, start, count)
    exact = indexed_equality(given, INDEXED)
    if exact is not None:
        column, value = exact
        wanted = {"user_name": None, "external_id": None, column: value}
        return found.directory.find(wanted["user_name"], wanted["external_id"], start, count)
    matching: list[DirectoryPerson] = []
    offset = 0
    while True:
        page, total = found.directory.find(None, None, offset, SCAN_PAGE)
        matching += [p for p in page if given.match(to_user(p, _NO_REQUEST))]
        offset += SCAN_PAGE
        if offset >= total or not page:
            break
    return matching[start : start + count], len(matching)


class _NoRequest:
    """Matching needs no location: a stand-in for the request in to_user."""

    def url_for(self, name: str, **params: str) -> str:
        return "/scim/v2/Users/" + params.get("employee_id", "")


_NO_REQUEST: Any = _NoRequest()


@router.post("/Users", name="scim_create_user", status_code=201)
async def create_user(
    request: Request, caller: ApiKey = Depends(scim_caller), found: Services = Depends(services)
) -> Response:
    """A new person: 201 with the User and its Location; 409 uniqueness on a taken userName."""
    user = _read_user(await json_body(request), Context.RESOURCE_CREATION_REQUEST)
    person = await run_in_threadpool(
        partial(found.directory.provision, from_user(user), actor=Actor.of_key(caller))
    )
    made = to_user(person, request)
    headers = {"Location": str(made.meta.location)}
    return ScimResponse(
        dump(made, request, Context.RESOURCE_CREATION_RESPONSE), status_code=201, headers=headers
    )


@router.get("/Users/{employee_id}", name="scim_get_user")
async def get_user(
    employee_id: str,
    request: Request,
    _: ApiKey = Depends(scim_caller),
    found: Services = Depends(services),
) -> Response:
    person = await run_in_threadpool(found.directory.get, employee_id)
    return ScimResponse(dump(to_user(person, request), request))


@router.put("/Users/{employee_id}", name="scim_replace_user")
async def replace_user(
    employee_id: str,
    request: Request,
    caller: ApiKey = Depends(scim_caller),
    found: Services = Depends(services),
) -> Response:
    """The person replaced by the body (attributes left out are cleared)."""
    user = _read_user(await json_body(request), Context.RESOURCE_REPLACEMENT_REQUEST)
    await run_in_threadpool(found.directory.get, employee_id)  # 404 before anything else
    changed = from_user(user, employee_id)
    person = await run_in_threadpool(
        partial(found.directory.replace, employee_id, changed, actor=Actor.of_key(caller))
    )
    return ScimResponse(
        dump(to_user(person, request), request, Context.RESOURCE_REPLACEMENT_RESPONSE)
    )


@router.patch("/Users/{employee_id}", name="scim_patch_user")
async def patch_user(
    employee_id: str,
    request: Request,
    caller: ApiKey = Depends(scim_caller),
    found: Services = Depends(services),
) -> Response:
    """PatchOp add/replace/remove, with or without a path, as Entra ID and Okta send them
    (`"active": "False"` included)."""
    body = await json_body(request)
    patch = PatchOp[STANDARD_USER].model_validate(
        body, scim_ctx=Context.RESOURCE_PATCH_REQUEST, scim_policy=POLICY
    )
    person = await run_in_threadpool(found.directory.get, employee_id)
    current = STANDARD_USER.model_validate(
        to_user(person, request).model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE)
    )
    patch.patch(current, scim_policy=POLICY)
    changed = from_user(current, employee_id)
    person = await run_in_threadpool(
        partial(found.directory.replace, employee_id, changed, actor=Actor.of_key(caller))
    )
    return ScimResponse(dump(to_user(person, request), request, Context.RESOURCE_PATCH_RESPONSE))


@router.delete("/Users/{employee_id}", name="scim_delete_user", status_code=204)
async def delete_user(
    employee_id: str, caller: ApiKey = Depends(scim_caller), found: Services = Depends(services)
) -> Response:
    """Deprovision: the person is marked left today; attendance stays."""
    actor = Actor.of_key(caller)
    await run_in_threadpool(partial(found.directory.deprovision, employee_id, actor=actor))
    return Response(status_code=204)


def _read_user(body: Any, context: Context) -> Any:
    """The body as a User: an attribute no standard schema defines is refused, one that a
    standard schema defines but facegate does not keep (Entra sends phoneNumbers) is
    dropped."""
    STANDARD_USER.model_validate(body, scim_ctx=context)
    return USER.model_validate(_kept(body), scim_ctx=context)


def _kept(body: dict[str, Any]) -> dict[str, Any]:
    """The attributes of `body` facegate declares (names compared case-insensitively)."""
    kept: dict[str, Any] = {}
    for key, value in body.items():
        lowered = key.lower()
        if lowered == ENTERPRISE_SCHEMA.lower() and isinstance(value, dict):
            kept[key] = {k: v for k, v in value.items() if k.lower() in _ENTERPRISE}
        elif lowered == "name" and isinstance(value, dict):
            kept[key] = {k: v for k, v in value.items() if k.lower() in _NAME}
        elif lowered in _USER:
            kept[key] = value
    return kept


_USER = {a.lower() for a in (*USER_ATTRIBUTES, "schemas", "id", "externalId", "meta")}
_NAME = {a.lower() for a in NAME_PARTS}
_ENTERPRISE = {a.lower() for a in ENTERPRISE_ATTRIBUTES}
