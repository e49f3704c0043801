"""/scim/v2/Groups: groups the identity provider pushes: a site's access group when named like
a site, else a department (backend/domain/departments.py)."""

from typing import Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import ValidationError
from scim2_models import Context, Group, Meta, PatchOp, ScimFilter, SearchRequest

from backend.domain.app import Services
from backend.domain.audit import Actor
from backend.domain.directory_model import DirectoryGroup
from backend.domain.model import ApiKey
from backend.handler.context import services
from backend.handler.scim import users as users_module
from backend.handler.scim.declared import GROUP, POLICY, USER
from backend.handler.scim.listing import (
    SEARCH_KEYS,
    asked_search,
    indexed_equality,
    list_response,
    page_of,
)
from backend.handler.scim.mapping import dump, to_user
from backend.handler.scim.protocol import ScimResponse, ScimRoute, json_body, scim_caller

router = APIRouter(prefix="/scim/v2", route_class=ScimRoute, include_in_schema=False)
INDEXED = {"displayname": "display_name", "externalid": "external_id"}


def to_group(group: DirectoryGroup, request: Request) -> Any:
    payload: dict[str, Any] = {
        "schemas": [str(Group.__schema__)],
        "id": group.group_id,
        "displayName": group.display_name,
        "members": [{"value": m} for m in group.members] or None,
        "externalId": group.external_id,
    }
    made = GROUP.model_validate({k: v for k, v in payload.items() if v is not None})
    made.meta = Meta(
        resource_type="Group",
        created=group.created_at,
        last_modified=group.updated_at,
        location=str(request.url_for("scim_get_group", group_id=group.group_id)),
        version=f'W/"{group.version}"',
    )
    return made


def from_group(model: Any, group_id: str = "") -> DirectoryGroup:
    return DirectoryGroup(
        group_id=group_id,
        display_name=model.display_name or "",
        external_id=model.external_id,
        members=tuple(str(m.value) for m in model.members or [] if m.value),
    )


@router.get("/Groups", name="scim_list_groups")
async def list_groups(
    request: Request, _: ApiKey = Depends(scim_caller), found: Services = Depends(services)
) -> Response:
    given = {k: v for k, v in request.query_params.items() if k in SEARCH_KEYS}
    asked = asked_search(GROUP, given)
    start, count = page_of(asked)
    groups, total = await run_in_threadpool(_search, found, asked.filter, start, count, request)
    return list_response(GROUP, asked, [to_group(g, request) for g in groups], total)


def _search(
    found: Services, given: ScimFilter[Any] | None, start: int, count: int, request: Request
) -> tuple[list[DirectoryGroup], int]:
    if given is None:
        return found.groups.find(None, None, start, count)
    exact = indexed_equality(given, INDEXED)
    if exact is not None:
        column, value = exact
        wanted = {"display_name": None, "external_id": None, column: value}
        return found.groups.find(wanted["display_name"], wanted["external_id"], start, count)
    every, _ = found.groups.find(None, None, 0, 100_000)  # a company's departments
    matching = [g for g in every if given.match(to_group(g, request))]
    return matching[start : start + count], len(matching)


def _read_group(body: Any, context: Context) -> Any:
    """The body as a Group: checked against the standard schema, then read with the
    members' ids only (their display, type and $ref are the directory's to keep)."""
    Group.model_validate(body, scim_ctx=context)
    if isinstance(body, dict):
        body = {
            k: [{"value": m.get("value")} for m in v if isinstance(m, dict)]
            if k.lower() == "members" and isinstance(v, list)
            else v
            for k, v in body.items()
        }
    return GROUP.model_validate(body, scim_ctx=context)


@router.post("/Groups", name="scim_create_group", status_code=201)
async def create_group(
    request: Request, caller: ApiKey = Depends(scim_caller), found: Services = Depends(services)
) -> Response:
    model = GROUP.model_validate(
        await json_body(request), scim_ctx=Context.RESOURCE_CREATION_REQUEST
    )
    group = await run_in_threadpool(
        found.groups.create, from_group(model), actor=Actor.of_key(caller)
    )
    made = to_group(group, request)
    return ScimResponse(
        dump(made, request, Context.RESOURCE_CREATION_RESPONSE),
        status_code=201,
        headers={"Location": str(made.meta.location)},
    )


@router.get("/Groups/{group_id}", name="scim_get_group")
async def get_group(
    group_id: str,
    request: Request,
    _: ApiKey = Depends(scim_caller),
    found: Services = Depends(services),
) -> Response:
    group = await run_in_threadpool(found.groups.get, group_id)
    return ScimResponse(dump(to_group(group, request), request))


@router.put("/Groups/{group_id}", name="scim_replace_group")
async def replace_group(
    group_id: str,
    request: Request,
    caller: ApiKey = Depends(scim_caller),
    found: Services = Depends(services),
) -> Response:
    model = _read_group(await json_body(request), Context.RESOURCE_REPLACEMENT_REQUEST)
    group = await run_in_threadpool(
        found.groups.replace, group_id, from_group(model, group_id), actor=Actor.of_key(caller)
    )
    return ScimResponse(
        dump(to_group(group, request), request, Context.RESOURCE_REPLACEMENT_RESPONSE)
    )


@router.patch("/Groups/{group_id}", name="scim_patch_group")
async def patch_group(
    group_id: str,
    request: Request,
    caller: ApiKey = Depends(scim_caller),
    found: Services = Depends(services),
) -> Response:
    """Members added, removed (`members[value eq "..."]`, or Entra's remove with a value) or
    replaced; the name replaced, with or without a path (Okta)."""
    patch = PatchOp[Group].model_validate(
        await json_body(request), scim_ctx=Context.RESOURCE_PATCH_REQUEST, scim_policy=POLICY
    )

    def patched(group: DirectoryGroup) -> DirectoryGroup:
        shown = to_group(group, request).model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE)
        current = Group.model_validate(shown)
        patch.patch(current, scim_policy=POLICY)
        return from_group(current, group_id)

    # Applied to the group as stored, under the groups' lock (no PATCH lost to another).
    saved = await run_in_threadpool(
        found.groups.change, group_id, patched, actor=Actor.of_key(caller)
    )
    return ScimResponse(dump(to_group(saved, request), request, Context.RESOURCE_PATCH_RESPONSE))


@router.delete("/Groups/{group_id}", name="scim_delete_group", status_code=204)
async def delete_group(
    group_id: str, caller: ApiKey = Depends(scim_caller), found: Services = Depends(services)
) -> Response:
    """The group goes; its members keep no department, or go back to all sites when it was
    their last site access group (they stay themselves)."""
    await run_in_threadpool(found.groups.delete, group_id, actor=Actor.of_key(caller))
    return Response(status_code=204)


@router.post("/.search", name="scim_search_all")
async def search_everything(
    request: Request, _: ApiKey = Depends(scim_caller), found: Services = Depends(services)
) -> Response:
    """A SearchRequest over Users and Groups (RFC 7644 §3.4.3): a filter naming an attribute
    one type lacks matches none of that type."""
    body = await json_body(request)
    users = _all_matching(body, USER, lambda f: users_module.search(found, f, 0, 100_000)[0])
    users = [to_user(p, request) for p in users]
    groups = _all_matching(body, GROUP, lambda f: _search(found, f, 0, 100_000, request)[0])
    groups = [to_group(g, request) for g in groups]
    asked: Any = SearchRequest.model_validate({k: v for k, v in body.items() if k != "filter"})
    start, count = page_of(asked)
    every = [*users, *groups]
    return list_response(USER | GROUP, asked, every[start : start + count], len(every))


def _all_matching(body: Any, model: Any, run: Any) -> list[Any]:
    """Everything of one type the body's filter matches; none when it names an attribute
    the type lacks."""
    try:
        asked = SearchRequest[model].model_validate(
            {"filter": body.get("filter")} if body.get("filter") else {},
            scim_ctx=Context.SEARCH_REQUEST,
        )
    except ValidationError:
        return []
    return list(run(asked.filter))
