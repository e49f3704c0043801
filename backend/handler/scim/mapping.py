"""A directory person as a SCIM User and back: userName, name, displayName, emails,
active, externalId, and the enterprise extension's employeeNumber (the employee id) and
department."""

from typing import Any

from fastapi import Request
from scim2_models import Context, EnterpriseUser, Meta, ResponseParameters

from backend.domain.directory_model import DirectoryEmail, DirectoryPerson
from backend.handler.scim.declared import USER


def location(request: Request, employee_id: str) -> str:
    return str(request.url_for("scim_get_user", employee_id=employee_id))


def to_user(person: DirectoryPerson, request: Request) -> Any:
    """The person as the declared User model (serialised by the caller)."""
    name = {"givenName": person.given_name, "familyName": person.family_name}
    enterprise = {"employeeNumber": person.employee_number, "department": person.department}
    payload: dict[str, Any] = {
        "schemas": [str(USER.__schema__), str(EnterpriseUser.__schema__)],
        "id": person.employee_id,
        "externalId": person.external_id,
        "userName": person.user_name,
        "name": _present(name),
        "displayName": person.display_name,
        "active": person.active,
        "emails": [_present(vars(e)) for e in person.emails] or None,
        str(EnterpriseUser.__schema__): _present(enterprise),
    }
    user = USER.model_validate(_present(payload))
    user.meta = Meta(
        resource_type="User",
        created=person.created_at,
        last_modified=person.updated_at,
        location=location(request, person.employee_id),
        version=f'W/"{person.version}"',
    )
    return user


def _present(values: dict[str, Any]) -> Any:
    """The entries that hold a value; None when none does."""
    kept = {k: v for k, v in values.items() if v is not None}
    return kept or None


def dump(user: Any, request: Request, context: Context = Context.RESOURCE_QUERY_RESPONSE) -> Any:
    """The JSON of a User as a response, honouring ?attributes= and ?excludedAttributes=."""
    params = _selection(request)
    return user.model_dump(scim_ctx=context, **params)


def _selection(request: Request) -> dict[str, Any]:
    attributes = request.query_params.get("attributes")
    excluded = request.query_params.get("excludedAttributes")
    if not attributes and not excluded:
        return {}
    given = {"attributes": attributes, "excludedAttributes": excluded}
    chosen: Any = ResponseParameters.model_validate({k: v for k, v in given.items() if v})
    return {"response_parameters": chosen}


def from_user(user: Any, employee_id: str = "") -> DirectoryPerson:
    """The person a validated User describes (the id is the caller's to choose)."""
    enterprise = user[EnterpriseUser] if _has_extension(user) else None
    name = user.name
    return DirectoryPerson(
        employee_id=employee_id,
        user_name=user.user_name or "",
        display_name=user.display_name,
        external_id=user.external_id,
        given_name=getattr(name, "given_name", None),
        family_name=getattr(name, "family_name", None),
        emails=tuple(
            DirectoryEmail(
                str(e.value),
                None if e.type is None else str(getattr(e.type, "value", e.type)),
                e.primary,
                e.display,
            )
            for e in user.emails or []
            if e.value
        ),
        employee_number=getattr(enterprise, "employee_number", None),
        department=getattr(enterprise, "department", None),
        active=None if user.active is None else bool(user.active),
    )


def _has_extension(user: Any) -> bool:
    try:
        return user[EnterpriseUser] is not None
    except (KeyError, TypeError):
        return False
