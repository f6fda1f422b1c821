"""What the project adds to Django's user: the person's 所属 (department or body)."""

from django.conf import settings
from django.db import models


class StaffProfile(models.Model):
    """A user's 所属, shown before their name wherever a message says who did something.

    Read through core.users.affiliation(), which knows only the ``staff_profile`` name.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name="ユーザー",
        on_delete=models.CASCADE,
        related_name="staff_profile",
    )
    affiliation = models.CharField(
        "所属",
        max_length=100,
        blank=True,
        help_text="例: 情報政策課、企画政策部、文京区議会。変更の競合を知らせるメッセージなどで、名前の前に表示します。",
    )

    class Meta:
        verbose_name = "所属"
        verbose_name_plural = "所属"

    def __str__(self):
        return self.affiliation
