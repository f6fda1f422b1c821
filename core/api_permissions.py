"""Who may do what through the API. Apart from core/api.py because DRF imports it while it starts
(DEFAULT_PERMISSION_CLASSES), before its views can be imported."""

from __future__ import annotations

from rest_framework import permissions


class ApiPermission(permissions.DjangoModelPermissions):
    """Reads: anyone (each view narrows an anonymous visitor to what is published); a signed-in
    user needs the model's view permission, as in the admin. Writes: signed in, with the model's
    add or change permission (the secretariat's), or the view's ``write_permissions``."""

    perms_map = {
        **permissions.DjangoModelPermissions.perms_map,
        "GET": ["%(app_label)s.view_%(model_name)s"],
        "HEAD": ["%(app_label)s.view_%(model_name)s"],
    }

    def has_permission(self, request, view):
        if getattr(view, "_ignore_model_permissions", False) or not hasattr(view, "get_queryset"):
            return request.method in permissions.SAFE_METHODS
        if request.method in permissions.SAFE_METHODS and not request.user.is_authenticated:
            return True
        if not request.user.is_authenticated:
            return False
        action_permissions = getattr(view, "write_permissions", {}).get(getattr(view, "action", None))
        if action_permissions is not None:
            return request.user.has_perms(action_permissions)
        return super().has_permission(request, view)


def is_public(request) -> bool:
    """Whether the request reads only what is published: nobody is signed in."""
    return not request.user.is_authenticated
