"""Accounts in the admin: Django's own user and group pages, with the input rules of every other page."""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group

from core.admin_base import DeleteRulesMixin, InputRulesMixin

User = get_user_model()

admin.site.unregister(User)
admin.site.unregister(Group)


@admin.register(User)
class UserAdmin(InputRulesMixin, DeleteRulesMixin, DjangoUserAdmin):
    """Django's user pages; input as core.fields.apply_input_rules, deleting as core.references
    (a user who authored progress reports is kept, and the page says why)."""


@admin.register(Group)
class GroupAdmin(InputRulesMixin, DeleteRulesMixin, DjangoGroupAdmin):
    """Django's group pages; the name refuses control characters (core.fields)."""
