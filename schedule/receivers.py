"""A calendar subscription URL lasts only as long as the access it was issued under.

The URL opens the feed without signing in, so it stops working (its key is drawn again,
schedule.services.calendar_feed_keys_rotate) when its user's access changes:

- a new password, on any path: the password change page, the admin's password form (a password
  disabled there too), ``set_password()`` and ``save()``, ``manage.py changepassword``. Whoever
  learnt the old password could have read the subscription page;
- the account deactivated (``is_active`` off): reactivated, it needs a new URL;
- a role taken away: the user leaves a group, from either side of the relation, or the group is
  deleted. This includes leaving every group, when the feed is no longer theirs to read. (The
  admin's form changes a role by removing before adding, so a change of role counts too.)

Anything else leaves the URL working: signing in (``last_login``), a new name, a role added, the
same password re-hashed at sign-in. Connected in ScheduleConfig.ready(). Not followed: bulk
``QuerySet.update()``, which sends no signal; ``loaddata`` (a restore) keeps keys as backed up.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import is_password_usable

from .services import calendar_feed_keys_rotate

# A save that names only other fields (update_fields) cannot change access: not even a query.
_ACCESS_FIELDS = frozenset({"password", "is_active"})


def _new_password(user, stored_hash: str) -> bool:
    """Whether this save gives ``user`` another password than the stored hash."""
    if user.password == stored_hash:
        return False
    # set_password() keeps the new password in _password until the save. check_password() clears
    # it when it only re-hashes the same password with a newer hasher at sign-in: Django's own rule
    # ("password hash upgrades shouldn't be considered password changes"), by which it decides
    # whether to tell the password validators. set_unusable_password() leaves no _password.
    return getattr(user, "_password", None) is not None or not is_password_usable(user.password)


def user_saving(sender, instance, raw=False, update_fields=None, **kwargs):
    """pre_save of the user model: a new password, or the account deactivated."""
    if raw or instance.pk is None:
        return  # loaddata restores what was backed up; a new user has no key yet
    if update_fields is not None and not _ACCESS_FIELDS & set(update_fields):
        return
    stored = sender._base_manager.filter(pk=instance.pk).values_list("password", "is_active").first()
    if stored is None:
        return
    stored_hash, was_active = stored
    if _new_password(instance, stored_hash) or (was_active and not instance.is_active):
        calendar_feed_keys_rotate(user_ids=[instance.pk])


def user_groups_changing(sender, instance, action, reverse, pk_set, **kwargs):
    """m2m_changed of the user model's groups: users about to leave a group, from either side
    (``user.groups.remove/clear/set``, ``group.user_set.remove/clear/set``)."""
    if action not in ("pre_remove", "pre_clear"):
        return
    relation = get_user_model()._meta.get_field("groups")
    user_id, group_id = f"{relation.m2m_field_name()}_id", f"{relation.m2m_reverse_field_name()}_id"
    links = sender._default_manager.filter(**{group_id if reverse else user_id: instance.pk})
    if action == "pre_remove":
        # The links that exist only: removing someone from a group they are not in changes nothing.
        links = links.filter(**{f"{user_id if reverse else group_id}__in": pk_set})
    calendar_feed_keys_rotate(user_ids=links.values_list(user_id, flat=True))


def group_deleting(sender, instance, **kwargs):
    """pre_delete of Group: its members lose the role (the cascade sends no m2m_changed)."""
    calendar_feed_keys_rotate(user_ids=instance.user_set.values_list("pk", flat=True))
