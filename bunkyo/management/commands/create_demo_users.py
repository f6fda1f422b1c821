from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from bunkyo import roles
from bunkyo.models import StaffProfile
from measures.models import Department
from rounds.models import DepartmentMember

# Known passwords: for a developer's machine only. Refused when DEBUG is off.
# (user name, password, role, 姓, 名, 所属, staff?). The names are made up for the demo.
DEMO_USERS = (
    ("jimukyoku", "demo-jimukyoku", roles.SECRETARIAT, "文京", "花子", "情報政策課", True),
    ("kanrishoku", "demo-kanrishoku", roles.MANAGERS, "小石川", "一郎", "企画政策部", False),
    ("gikai", "demo-gikai", roles.COUNCIL, "本郷", "次郎", "文京区議会", False),
    # 所管課担当: each answers the collection rounds of the department of its 所属 (load_demo_rounds).
    ("joho", "demo-joho", roles.DEPARTMENT_STAFF, "千石", "三郎", "情報政策課", False),
    ("koho", "demo-koho", roles.DEPARTMENT_STAFF, "白山", "さくら", "広報課", False),
    ("kikaku", "demo-kikaku", roles.DEPARTMENT_STAFF, "根津", "四郎", "企画課", False),
    ("koseki", "demo-koseki", roles.DEPARTMENT_STAFF, "音羽", "五月", "戸籍住民課", False),
    ("somu", "demo-somu", roles.DEPARTMENT_STAFF, "湯島", "六郎", "総務課", False),
)


class Command(BaseCommand):
    help = "役割ごとのデモアカウントを作成(またはパスワードを再設定)し、ユーザー名とパスワードを表示します。DEBUG=true のときだけ使えます。"

    @transaction.atomic
    def add_arguments(self, parser):
        parser.add_argument(
            "--url",
            default="http://127.0.0.1:8000/",
            help="the address the demo is served on (make run passes its HOST)",
        )

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("デモアカウントは DEBUG=true の開発環境でのみ作成できます。")
        User = get_user_model()
        self.stdout.write(f"デモアカウント ({options['url']} でログイン):")
        for username, password, role, last_name, first_name, affiliation, is_staff in DEMO_USERS:
            user, _ = User.objects.get_or_create(username=username)
            user.last_name, user.first_name = last_name, first_name
            user.is_staff = is_staff
            user.is_active = True
            user.set_password(password)
            user.save()
            user.groups.set([Group.objects.get(name=role)])
            StaffProfile.objects.update_or_create(user=user, defaults={"affiliation": affiliation})
            if role == roles.DEPARTMENT_STAFF:
                user.email = f"{username}@example.jp"  # shown by the console backend only
                user.save(update_fields=["email"])
                department, _ = Department.objects.get_or_create(name=affiliation)
                DepartmentMember.objects.get_or_create(user=user, department=department)
            self.stdout.write(f"  {role:<4} ユーザー名: {username:<11} パスワード: {password}")
