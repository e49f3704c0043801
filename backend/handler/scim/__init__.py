"""SCIM 2.0 (RFC 7643/7644) under /scim/v2: the identity provider provisions people."""
