"""Requests as Microsoft Entra ID and Okta send them, copied from their published SCIM
documentation (the bodies are theirs; only the Python spelling is ours):

- Entra ID, "Known issues and resolutions with SCIM 2.0 protocol compliance"
  (learn.microsoft.com/entra/identity/app-provisioning/
  application-provisioning-config-problem-scim-compatibility): disabling a user without
  and with the aadOptscim062020 flag; replacing several attributes with the flag.
- Entra ID, "Tutorial: Develop and plan provisioning for a SCIM endpoint"
  (learn.microsoft.com/entra/identity/app-provisioning/use-scim-to-provision-users-and-groups):
  Create User, Update User [Multi-valued properties], Disable User.
- Okta, "SCIM 2.0 protocol reference" (developer.okta.com/docs/reference/scim/scim-20/):
  Create Users, Update a specific User (PUT) and (PATCH), Create Groups, Update a specific
  Group name, Update specific Group membership.

The member ids in the group examples are the documentation's; the tests put their own
people's ids in their place (`with_members`)."""

import json
from typing import Any

PATCH_OP = ["urn:ietf:params:scim:api:messages:2.0:PatchOp"]

ENTRA_DISABLE_WITHOUT_FLAG: dict[str, Any] = {
    "schemas": PATCH_OP,
    "Operations": [{"op": "Replace", "path": "active", "value": "False"}],
}
ENTRA_DISABLE_WITH_FLAG: dict[str, Any] = {
    "schemas": PATCH_OP,
    "Operations": [{"op": "replace", "path": "active", "value": False}],
}
ENTRA_DISABLE_USER: dict[str, Any] = {
    "Operations": [{"op": "Replace", "path": "active", "value": False}],
    "schemas": PATCH_OP,
}
OKTA_DEACTIVATE: dict[str, Any] = {
    "schemas": PATCH_OP,
    "Operations": [{"op": "replace", "value": {"active": False}}],
}
DEACTIVATIONS = [
    ENTRA_DISABLE_WITHOUT_FLAG,
    ENTRA_DISABLE_WITH_FLAG,
    ENTRA_DISABLE_USER,
    OKTA_DEACTIVATE,
]
DEACTIVATION_IDS = ["entra-string-False", "entra-boolean", "entra-disable-user", "okta-no-path"]

ENTRA_REPLACE_MANY: dict[str, Any] = {
    "schemas": PATCH_OP,
    "Operations": [
        {
            "op": "replace",
            "path": 'emails[type eq "work"].value',
            "value": "TestMhvaes@test.microsoft.com",
        },
        {
            "op": "replace",
            "value": {
                "displayName": "Bjfe",
                "name.givenName": "Kkom",
                "name.familyName": "Unua",
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber": "Aklq",
            },
        },
    ],
}
ENTRA_MULTI_VALUED: dict[str, Any] = {
    "schemas": PATCH_OP,
    "Operations": [
        {
            "op": "Replace",
            "path": 'emails[type eq "work"].value',
            "value": "updatedEmail@microsoft.com",
        },
        {"op": "Replace", "path": "name.familyName", "value": "updatedFamilyName"},
    ],
}
ENTRA_CREATE: dict[str, Any] = {
    "schemas": [
        "urn:ietf:params:scim:schemas:core:2.0:User",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
    ],
    "externalId": "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
    "userName": "Test_User_ab6490ee-1e48-479e-a20b-2d77186b5dd1",
    "active": True,
    "emails": [
        {
            "primary": True,
            "type": "work",
            "value": "Test_User_fd0ea19b-0777-472c-9f96-4f70d2226f2e@testuser.com",
        }
    ],
    "meta": {"resourceType": "User"},
    "name": {
        "formatted": "givenName familyName",
        "familyName": "familyName",
        "givenName": "givenName",
    },
    "roles": [],
}
OKTA_CREATE: dict[str, Any] = {
    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
    "userName": "test.user@okta.local",
    "name": {"givenName": "Test", "familyName": "User"},
    "emails": [{"primary": True, "value": "test.user@okta.local", "type": "work"}],
    "displayName": "Test User",
    "locale": "en-US",
    "externalId": "00ujl29u0le5T6Aj10h7",
    "groups": [],
    "password": "1mz050nq",
    "active": True,
}
OKTA_PUT: dict[str, Any] = {
    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
    "userName": "test.user@okta.local",
    "name": {"givenName": "Another", "middleName": "Excited", "familyName": "User"},
    "emails": [
        {
            "primary": True,
            "value": "test.user@okta.local",
            "type": "work",
            "display": "test.user@okta.local",
        }
    ],
    "active": True,
    "groups": [],
    "meta": {"resourceType": "User"},
}


ENTRA_ADD_MEMBERS: dict[str, Any] = {
    "schemas": PATCH_OP,
    "Operations": [
        {"op": "Add", "path": "members", "value": [{"$ref": None, "value": "f648f8d5ea4e4cd38e9c"}]}
    ],
}
ENTRA_REMOVE_MEMBERS: dict[str, Any] = {
    "schemas": PATCH_OP,
    "Operations": [
        {
            "op": "Remove",
            "path": "members",
            "value": [{"$ref": None, "value": "f648f8d5ea4e4cd38e9c"}],
        }
    ],
}
ENTRA_REMOVE_MEMBER_WITH_FLAG: dict[str, Any] = {
    "schemas": PATCH_OP,
    "Operations": [
        {"op": "remove", "path": 'members[value eq "7f4bc1a3-285e-48ae-8202-5accb43efb0e"]'}
    ],
}
OKTA_CREATE_GROUP: dict[str, Any] = {
    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
    "displayName": "Test SCIMv2",
    "members": [],
}
OKTA_RENAME_GROUP: dict[str, Any] = {
    "schemas": PATCH_OP,
    "Operations": [
        {
            "op": "replace",
            "value": {"id": "abf4dd94-a4c0-4f67-89c9-76b03340cb9b", "displayName": "Test SCIMv2"},
        }
    ],
}
OKTA_MEMBERSHIP: dict[str, Any] = {
    "schemas": PATCH_OP,
    "Operations": [
        {"op": "remove", "path": 'members[value eq "89bb1940-b905-4575-9e7f-6f887cfb368e"]'},
        {
            "op": "add",
            "path": "members",
            "value": [
                {"value": "23a35c27-23d3-4c03-b4c5-6443c09e7173", "display": "test.user@okta.local"}
            ],
        },
    ],
}


def with_members(example: dict[str, Any], ids: dict[str, str]) -> Any:
    """The example with the documentation's ids (and the group id) replaced by the test's."""
    text = json.dumps(example)
    for theirs, ours in ids.items():
        text = text.replace(theirs, ours)
    return json.loads(text)
