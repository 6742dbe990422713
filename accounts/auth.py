"""Sign-on to the web tools against the Labnet directory (django-auth-ldap).

On when LABNET_LDAP_URL is set (labnet_site.settings puts this backend before Django's own,
so the embedded default's local users still sign in). The user binds as themselves, so
slapd's ppolicy counts their wrong passwords and refuses a locked or expired account.
Membership of the directory's role groups (LABNET_LDAP_ROLE_GROUPS) gives the matching
viewer, editor or admin role at each sign-in; an account in none of them (a visitor, a
teaching account) cannot sign in to the tools."""

from __future__ import annotations

import ldap
from django.conf import settings
from django.contrib.auth.models import Group
from django_auth_ldap.backend import LDAPBackend
from django_auth_ldap.config import LDAPGroupQuery, LDAPSearch, PosixGroupType

from core.permissions import ROLES

from . import layout


def role_groups() -> dict[str, str]:
    """Role -> the directory group whose members have it."""
    pairs = (item.split("=", 1) for item in settings.LABNET_LDAP_ROLE_GROUPS.split(",") if item)
    found = {role.strip(): group.strip() for role, group in pairs}
    unknown = sorted(set(found) - set(ROLES))
    if unknown:
        raise ValueError(f"LABNET_LDAP_ROLE_GROUPS names no role {', '.join(unknown)}")
    return found


class LabnetLDAPBackend(LDAPBackend):
    @property
    def default_settings(self) -> dict:
        base = settings.LABNET_LDAP_BASE
        groups = {role: layout.group_dn(base, name) for role, name in role_groups().items()}
        required = None
        for dn in groups.values():
            required = LDAPGroupQuery(dn) if required is None else required | LDAPGroupQuery(dn)
        return {
            "SERVER_URI": settings.LABNET_LDAP_URL,
            "USER_DN_TEMPLATE": f"uid=%(user)s,{layout.unit_dn(base, layout.PEOPLE)}",
            "BIND_AS_AUTHENTICATING_USER": True,
            "GROUP_SEARCH": LDAPSearch(
                layout.unit_dn(base, layout.GROUPS), ldap.SCOPE_ONELEVEL, "(objectClass=posixGroup)"
            ),
            "GROUP_TYPE": PosixGroupType(),
            "REQUIRE_GROUP": required,
            "USER_ATTR_MAP": {"first_name": "givenName", "last_name": "sn", "email": "mail"},
            "ALWAYS_UPDATE_USER": True,
            "CONNECTION_OPTIONS": {ldap.OPT_NETWORK_TIMEOUT: 5, ldap.OPT_TIMEOUT: 5},
        }

    def authenticate_ldap_user(self, ldap_user, password):
        user = super().authenticate_ldap_user(ldap_user, password)
        if user is not None:
            names = ldap_user.group_names
            # The highest role whose group the account is in; the roles are Django groups.
            held = [role for role, group in role_groups().items() if group in names]
            best = max(held, key=ROLES.index)
            user.groups.set([Group.objects.get(name=best)])
        return user
