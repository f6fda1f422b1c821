"""Accounts in the admin: Django's own user and group pages, with the rules of every other page.

- Stale saves are refused: users and groups have no version column (they are Django's models),
  so their forms carry the values they were loaded with instead (core.versioning.LoadedStateForm).
- Input as core.fields.apply_input_rules; deleting as core.references. A user whose name is in
  the records (progress reports they wrote, change history, the admin's log of actions) is
  kept: deleting them would erase who did what. The page says so and how to retire the account.
"""

from django.apps import apps
from django.contrib import admin
from django.contrib.admin.models import LogEntry
from django.contrib.admin.widgets import AdminSplitDateTime
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import UserChangeForm
from django.contrib.auth.models import Group
from rest_framework.authtoken.models import TokenProxy

from core import references
from core.admin_base import DeleteRulesMixin, InputRulesMixin, SaveRefusedMixin
from core.users import affiliation, display_name
from core.versioning import LoadedStateForm
from rounds.models import DepartmentMember

from .models import StaffProfile

User = get_user_model()

admin.site.unregister(User)
admin.site.unregister(Group)
# API tokens are made on the server (`manage.py drf_create_token <user>`, docs/api.md), not on an
# admin page: DRF's would show every key to whoever opens it, and it has none of the admin's rules.
admin.site.unregister(TokenProxy)


class AccountChangeForm(LoadedStateForm, UserChangeForm):
    pass


class GroupForm(LoadedStateForm):
    class Meta:
        model = Group
        fields = "__all__"


def _history_models():
    """Every change-history table (django-simple-history), each of which names who made the change."""
    return [
        model
        for model in apps.get_models()
        if hasattr(model, "history_user") and hasattr(model, "instance_type")
    ]


def records_naming(user) -> list[tuple[str, int]]:
    """(what, how many) of the records that name ``user``: reports written, history entries, admin actions."""
    records = [(str(use.model._meta.verbose_name), use.count) for use in references.uses_of(user)]
    history = sum(model._default_manager.filter(history_user=user).count() for model in _history_models())
    history += LogEntry.objects.filter(user=user).count()
    if history:
        records.append(("変更履歴", history))
    return records


class StaffProfileInline(InputRulesMixin, admin.StackedInline):
    model = StaffProfile
    can_delete = False
    max_num = 1
    min_num = 1
    fields = ("affiliation",)


class DepartmentMemberInline(InputRulesMixin, admin.TabularInline):
    """The departments a 所管課担当 answers collection rounds for (rounds.models.DepartmentMember)."""

    model = DepartmentMember
    extra = 0
    fields = ("department",)
    verbose_name = "担当する所管課(進捗照会)"
    verbose_name_plural = "担当する所管課(進捗照会)"


@admin.register(User)
class UserAdmin(SaveRefusedMixin, InputRulesMixin, DeleteRulesMixin, DjangoUserAdmin):
    form = AccountChangeForm
    inlines = (StaffProfileInline, DepartmentMemberInline)
    list_display = ("username", "full_name", "affiliation_name", "is_staff", "is_active")
    list_select_related = ("staff_profile",)
    search_fields = (*DjangoUserAdmin.search_fields, "staff_profile__affiliation")

    @admin.display(description="氏名", ordering="last_name")
    def full_name(self, user) -> str:
        return display_name(user)

    @admin.display(description="所属", ordering="staff_profile__affiliation")
    def affiliation_name(self, user) -> str:
        return affiliation(user) or "—"

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        if formfield is not None and isinstance(formfield.widget, AdminSplitDateTime):
            # Django puts 日付: and 時刻: before the two inputs as plain text, which names neither
            # for a screen reader (最終ログイン, 登録日時).
            for part, widget in zip(("日付", "時刻"), formfield.widget.widgets, strict=True):
                widget.attrs["aria-label"] = f"{formfield.label}({part})"
        return formfield

    def get_deleted_objects(self, objs, request):
        deleted, model_count, perms_needed, protected = super().get_deleted_objects(objs, request)
        for user in objs:
            history = dict(records_naming(user)).get("変更履歴")
            if history:
                protected.append(f"ユーザー「{user.get_username()}」の変更履歴: {history}件")
        return deleted, model_count, perms_needed, protected

    def delete_refusal(self, user) -> str:
        named = "・".join(f"{what}{count}件" for what, count in records_naming(user))
        return (
            f"ユーザー「{user.get_username()}」は{named}に記録されているため削除できません。"
            "削除すると、記録から誰が行ったかが消えてしまいます。使わなくなったアカウントは、"
            "ユーザーの変更画面で「有効」のチェックを外して無効にしてください(サインインできなくなります)。"
        )

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None:  # the add form has nothing to compare with
            return fieldsets
        # UserAdmin lists its fields; the hidden loaded values must be among them to be sent back.
        return (*fieldsets, (None, {"fields": (LoadedStateForm.STATE_FIELD,)}))


@admin.register(Group)
class GroupAdmin(SaveRefusedMixin, InputRulesMixin, DeleteRulesMixin, DjangoGroupAdmin):
    form = GroupForm
