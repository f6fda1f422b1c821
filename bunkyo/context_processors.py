from django.urls import reverse

from measures.permissions import EXPORT_PROGRESS, PRINT_PROGRESS

from . import roles

# (url name, label, note, permission needed; None means staff access to the admin site)
_LINKS = (
    ("admin:index", "管理サイト", "計画・施策・年度目標・進捗報告・スケジュールの登録と更新", None),
    ("reports:index", "Excel帳票", "施策別の進捗状況をExcelでダウンロード", EXPORT_PROGRESS),
    ("reports:print", "印刷用ページ", "区議会向けの進捗状況(A4印刷)", PRINT_PROGRESS),
    ("schedule:table", "策定スケジュール", "平成30年度の策定スケジュール表", "schedule.view_scheduleditem"),
    ("rounds:index", "進捗照会", "所管課への照会・回答の確認と承認", "rounds.change_round"),
    ("timeline", "変更履歴", "誰がいつ何を変更したか(種類・人・日付で絞り込み)", "measures.change_measure"),
)


def _links_for(user) -> list[dict]:
    links = []
    for name, label, note, permission in _LINKS:
        allowed = user.is_staff if permission is None else user.has_perm(permission)
        if not allowed:
            continue
        links.append({"url": reverse(name), "label": label, "note": note})
    return links


def user_role(request):
    """The signed-in user's role and the links that role may use, for the header and the home page."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"role_name": None, "role_links": []}
    return {"role_name": roles.role_of(user), "role_links": _links_for(user)}
