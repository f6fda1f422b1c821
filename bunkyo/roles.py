"""The four roles and their permissions: the one place that says who may do what.

The groups are created by a data migration (bunkyo/migrations), never by hand, so every
environment has the same roles. Demo accounts are a separate matter (create_demo_users).
"""

from __future__ import annotations

from measures.permissions import EXPORT_PROGRESS, PRINT_PROGRESS

SECRETARIAT = "事務局"
MANAGERS = "管理職"
COUNCIL = "議会"
# 所管課担当: answers the secretariat's collection rounds (rounds) for the departments they belong to
# (rounds.models.DepartmentMember). No permission of any app: what they see is their departments'.
DEPARTMENT_STAFF = "所管課担当"
ALL_ROLES = (SECRETARIAT, MANAGERS, COUNCIL, DEPARTMENT_STAFF)

APPS = ("measures", "schedule", "rounds")
# The apps whose view permissions the read-only roles get (rounds are the secretariat's to manage).
READ_APPS = ("measures", "schedule")

# Codenames beyond the model's standard view permissions that each read-only role gets.


def _codename(permission: str) -> str:
    """measures.export_progress → export_progress."""
    return permission.split(".", 1)[1]


EXTRA_PERMISSIONS = {
    SECRETARIAT: (),  # gets every permission of both apps
    MANAGERS: (_codename(EXPORT_PROGRESS), _codename(PRINT_PROGRESS)),
    COUNCIL: (_codename(PRINT_PROGRESS),),
    DEPARTMENT_STAFF: (),
}


def sync_groups(apps) -> None:
    """Create or update the groups with their permissions. Safe to run again."""
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    app_permissions = Permission.objects.filter(content_type__app_label__in=APPS)
    for role in ALL_ROLES:
        group, _ = Group.objects.get_or_create(name=role)
        readable = app_permissions.filter(content_type__app_label__in=READ_APPS)
        if role == SECRETARIAT:
            permissions = app_permissions
        elif role == DEPARTMENT_STAFF:
            permissions = app_permissions.none()
        else:
            permissions = readable.filter(codename__startswith="view_") | readable.filter(
                codename__in=EXTRA_PERMISSIONS[role]
            )
        group.permissions.set(permissions)


def sync_groups_migration(apps, schema_editor) -> None:
    """RunPython entry: make sure the permissions exist first (post_migrate has not run yet)."""
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    sync_groups(apps)


def role_of(user) -> str | None:
    """The user's role name for display; superusers count as the secretariat."""
    if not user.is_authenticated:
        return None
    if user.is_superuser:
        return SECRETARIAT
    names = {g.name for g in user.groups.all()}
    return next((role for role in ALL_ROLES if role in names), None)
