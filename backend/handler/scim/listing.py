"""What listing Users and Groups share (RFC 7644 §3.4.2): the query's keys, the page asked
for, a filter the database answers (`attr eq "value"` on an indexed attribute), and the
ListResponse with the attributes asked for."""

from typing import Any

from scim2_models import Context, ListResponse, ScimFilter, SearchRequest
from scim2_models.path import CompareOperator, Comparison

from backend.handler.scim.declared import MAX_RESULTS
from backend.handler.scim.protocol import ScimResponse

SEARCH_KEYS = {"filter", "startIndex", "count", "attributes", "excludedAttributes"}


def asked_search(model: Any, given: Any) -> Any:
    """The SearchRequest of `model` resources in a query's parameters or a /.search body."""
    return SearchRequest[model].model_validate(given, scim_ctx=Context.SEARCH_REQUEST)


def page_of(asked: Any) -> tuple[int, int]:
    """(start from 0, count): SCIM's startIndex counts from 1; count is at most MAX_RESULTS."""
    start = max((asked.start_index or 1) - 1, 0)
    count = min(MAX_RESULTS if asked.count is None else max(asked.count, 0), MAX_RESULTS)
    return start, count


def indexed_equality(given: ScimFilter[Any], indexed: dict[str, str]) -> tuple[str, str] | None:
    """(column, value) when the filter is `attr eq "value"` on one of `indexed` (lower-case
    SCIM attribute -> column); else None, and the caller matches resource by resource."""
    node = given.ast
    if (
        isinstance(node, Comparison)
        and node.op == CompareOperator.eq
        and node.attr_path.sub_attr is None
        and node.attr_path.attr.lower() in indexed
        and isinstance(node.value, str)
    ):
        return indexed[node.attr_path.attr.lower()], node.value
    return None


def list_response(model: Any, asked: Any, resources: list[Any], total: int) -> ScimResponse:
    """The ListResponse of one page, with only the attributes asked for."""
    start, _ = page_of(asked)
    answer = ListResponse[model](
        total_results=total,
        start_index=start + 1,
        items_per_page=len(resources),
        resources=resources,
    )
    chosen = asked if asked.attributes or asked.excluded_attributes else None
    return ScimResponse(
        answer.model_dump(scim_ctx=Context.SEARCH_RESPONSE, response_parameters=chosen)
    )
