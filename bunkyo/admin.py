"""Accounts in the admin: Django's own user and group pages, refusing stale saves like every other page.

Users and groups have no version column (they are Django's models), so their forms carry the
values they were loaded with instead (core.versioning.LoadedStateForm).
"""

from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.forms import UserChangeForm
from django.contrib.auth.models import Group, User

from core.versioning import LoadedStateForm


class AccountChangeForm(LoadedStateForm, UserChangeForm):
    pass


class GroupForm(LoadedStateForm):
    class Meta:
        model = Group
        fields = "__all__"


class AccountAdmin(UserAdmin):
    form = AccountChangeForm

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None:  # the add form has nothing to compare with
            return fieldsets
        # UserAdmin lists its fields; the hidden loaded values must be among them to be sent back.
        return (*fieldsets, (None, {"fields": (LoadedStateForm.STATE_FIELD,)}))


class RoleAdmin(GroupAdmin):
    form = GroupForm


admin.site.unregister(User)
admin.site.register(User, AccountAdmin)
admin.site.unregister(Group)
admin.site.register(Group, RoleAdmin)
