"""Accounts in the admin: Django's own user and group pages, with the rules of every other page.

- Stale saves are refused: users and groups have no version column (they are Django's models),
  so their forms carry the values they were loaded with instead (core.versioning.LoadedStateForm).
- Input as core.fields.apply_input_rules; deleting as core.references (a user who authored
  progress reports is kept, and the page says why).
"""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import UserChangeForm
from django.contrib.auth.models import Group

from core.admin_base import DeleteRulesMixin, InputRulesMixin
from core.versioning import LoadedStateForm

User = get_user_model()

admin.site.unregister(User)
admin.site.unregister(Group)


class AccountChangeForm(LoadedStateForm, UserChangeForm):
    pass


class GroupForm(LoadedStateForm):
    class Meta:
        model = Group
        fields = "__all__"


@admin.register(User)
class UserAdmin(InputRulesMixin, DeleteRulesMixin, DjangoUserAdmin):
    form = AccountChangeForm

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None:  # the add form has nothing to compare with
            return fieldsets
        # UserAdmin lists its fields; the hidden loaded values must be among them to be sent back.
        return (*fieldsets, (None, {"fields": (LoadedStateForm.STATE_FIELD,)}))


@admin.register(Group)
class GroupAdmin(InputRulesMixin, DeleteRulesMixin, DjangoGroupAdmin):
    form = GroupForm
