"""What facegate declares of SCIM: the User attributes it keeps, the enterprise
extension's employeeNumber and department, and its capabilities. The models requests
are read with are built from these declarations (scim2-models), so what /Schemas says is
exactly what is accepted and returned."""

from typing import Any

import email_validator
from scim2_models import (
    AuthenticationScheme,
    Bulk,
    ChangePassword,
    EnterpriseUser,
    ETag,
    Filter,
    Group,
    Patch,
    ResourceType,
    Schema,
    ScimPolicy,
    ScimProvider,
    ServiceProviderConfig,
    Sort,
    User,
)

# Directories hold addresses in .local domains the public DNS never sees (Okta's own
# examples use okta.local); email-validator refuses the special-use names it lists, a list
# its documentation lets an application edit. facegate sends no mail to these addresses.
if "local" in email_validator.SPECIAL_USE_DOMAIN_NAMES:
    email_validator.SPECIAL_USE_DOMAIN_NAMES.remove("local")

MEDIA_TYPE = "application/scim+json"
MAX_RESULTS = 200  # a page; also what a filter evaluated in memory returns at most per page
USER_ATTRIBUTES = ("userName", "name", "displayName", "emails", "active")
NAME_PARTS = ("givenName", "familyName")
ENTERPRISE_ATTRIBUTES = ("employeeNumber", "department")
USER_SCHEMA = str(User.__schema__)
ENTERPRISE_SCHEMA = str(EnterpriseUser.__schema__)

# Entra ID writes emails[type eq "work"].value on a user with no work e-mail yet, and
# sends `remove` with the value it removes: both are accepted as Entra means them.
POLICY = ScimPolicy(
    unmatched_path_filter=ScimPolicy.UnmatchedPathFilter.create,
    remove_value_as_filter=ScimPolicy.RemoveValue.apply,
)


def _user_schema() -> Schema:
    schema = User.to_schema()
    schema.attributes = [a for a in schema.attributes or [] if a.name in USER_ATTRIBUTES]
    for attribute in schema.attributes:
        if attribute.name == "name":
            attribute.sub_attributes = [
                part for part in attribute.sub_attributes or [] if part.name in NAME_PARTS
            ]
    return schema


def _enterprise_schema() -> Schema:
    schema = EnterpriseUser.to_schema()
    schema.attributes = [a for a in schema.attributes or [] if a.name in ENTERPRISE_ATTRIBUTES]
    return schema


CONFIG = ServiceProviderConfig(
    patch=Patch(supported=True),
    bulk=Bulk(supported=False, max_operations=0, max_payload_size=0),
    filter=Filter(supported=True, max_results=MAX_RESULTS),
    change_password=ChangePassword(supported=False),
    sort=Sort(supported=False),
    etag=ETag(supported=False),
    authentication_schemes=[
        AuthenticationScheme(
            type=AuthenticationScheme.Type.oauthbearertoken,
            name="Bearer token",
            description="A facegate key of role scim: `facegate keys create --role scim`",
            primary=True,
        )
    ],
)


def _group_schema() -> Schema:
    """A Group is a department: its name and members (the people, by id)."""
    schema = Group.to_schema()
    for attribute in schema.attributes or []:
        if attribute.name == "members":
            attribute.sub_attributes = [
                part for part in attribute.sub_attributes or [] if part.name == "value"
            ]
    return schema


SCHEMAS = [_user_schema(), _enterprise_schema(), _group_schema()]
RESOURCE_TYPES = [
    ResourceType.from_resource(User[EnterpriseUser]),
    ResourceType.from_resource(Group),
]
PROVIDER = ScimProvider.from_discovery(SCHEMAS, RESOURCE_TYPES, CONFIG, POLICY)
# The model of a User as declared above: only those attributes, the extension optional.
USER: Any = PROVIDER.model_for("User")
GROUP: Any = PROVIDER.model_for("Group")
# Every attribute the standard schemas define: a payload naming one that none defines is
# refused; one defined but not kept here (Entra sends phoneNumbers) is dropped.
STANDARD_USER: Any = User[EnterpriseUser]
