"""Synthetic plans for scale tests and benchmarks: realistic, deterministic, inserted in bulk.

    from benchmarks.synthetic import build_synthetic_plans
    summary = build_synthetic_plans(plans=2, measures_per_plan=5000, seed=1)

``build_synthetic_plans(*, plans, measures_per_plan, seed=1, force=False, history=True)``
adds ``plans`` plans, one after another in time, each with:

- three purposes (ア・イ・ウ) with keywords and technologies;
- ``measures_per_plan`` measures, each with one or two 所管課 (from a list of 30 departments),
  one to three keywords and up to two technologies;
- three annual targets per measure (one per fiscal year of the plan), most with an indicator,
  a unit, a baseline and a target value; about one in twelve is a text-only target;
- two to four progress reports per measure and year (September, sometimes December, March, and
  sometimes a follow-up in May after the year), their status following their progress;
  about one measure-year in eight (and always measure 1's first year) also has a report that
  was withdrawn (取り下げ) a few days after its date, with a reason and the staff member who
  withdrew it, then corrected;
- the plan's drafting schedule in the year before it, like the ward's FY2018 one: the five
  bodies, the three phases (骨子検討・素案検討・最終案検討・決定), the fourteen meetings and reports
  with their dates, and the public comment period.

Every synthetic plan's name starts with ``SYNTHETIC_PREFIX`` (【合成】); that is how the
generator knows which plans it made. It refuses (``SyntheticDataRefused``) to add plans to a
database holding any other plan unless ``force=True``. Statuses, the evaluation scale, bodies,
departments, keywords and technologies are shared data: the ones already there are used (by
name), missing ones are created with the seed's names.

Time: the plans are placed from FY1990 on (drafting in FY1989, the first year the application
handles), each in the first three free years whose drafting year holds no schedule, so they
never overlap each other nor an existing plan (the seed's FY2019–2021 included). What would lie
after ``REFERENCE_DAY`` has not happened yet: no reports, no withdrawals, no held meetings,
and the plan is still 策定中. So the data does not depend on the day it is built, and the same
seed on the same starting database gives the same rows (and, on a fresh database, the same ids).
At most 37 plans fit in the years 1989–2100, and a plan holds at most 32,767 measures (施策番号
is a small integer): for 50,000 measures use two plans or more.

History (django-simple-history): with ``history=True`` (the default) every row gets its first
変更履歴 entry ("+", dated when the row would have been entered, by the synthetic staff for
reports), and a withdrawn report a second one ("~", on its withdrawal day, by whoever withdrew it),
written in bulk too; ``history=False`` leaves the history tables empty, about 40 %
faster.
"""

from __future__ import annotations

import copy
import random
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import DateTimeField
from django.db.models.functions import Cast

from core import fiscal
from core.fields import FISCAL_YEAR_MAX, FISCAL_YEAR_MIN
from measures.models import (
    AnnualTarget,
    Department,
    EvaluationGrade,
    EvaluationScale,
    Keyword,
    Measure,
    Plan,
    ProgressReport,
    ProgressStatus,
    Purpose,
    Technology,
)
from schedule.models import Body, Phase, PublicCommentPeriod, ScheduledItem

SYNTHETIC_PREFIX = "【合成】"
# Nothing after this day has happened in the synthetic data (see the module's docstring).
REFERENCE_DAY = date(2025, 3, 31)
FIRST_PLAN_YEAR = FISCAL_YEAR_MIN + 1
PLAN_YEARS = 3
MAX_MEASURES_PER_PLAN = 32767
BATCH = 2000
LEGAL_BASIS = "官民データ活用推進基本法(平成28年法律第103号)第9条第3項"


class SyntheticDataRefused(Exception):
    """The database holds plans the generator did not make (and force was not given), or no room is left."""


@dataclass
class SyntheticSummary:
    plans: list[str]
    periods: list[tuple[int, int]]
    measures: int = 0
    targets: int = 0
    reports: int = 0
    withdrawn: int = 0
    scheduled_items: int = 0
    seconds: float = 0.0


# --- Shared data: the seed's names where it has them ----------------------------------------------

STATUSES = [  # name, symbol, color
    ("未着手", "−", "#EDEDED"),
    ("実施中", "○", "#DDEBF7"),
    ("完了", "◎", "#C6EFCE"),
    ("遅延", "△", "#FFEB9C"),
    ("中止", "×", "#FFC7CE"),
]
SCALE_NAME = "達成率による評価(A・B・C・D・−)"
GRADES = [  # code, label, min_rate, color
    ("A", "目標達成", Decimal(100), "#C6EFCE"),
    ("B", "おおむね達成", Decimal(80), "#DDEBF7"),
    ("C", "一部達成", Decimal(50), "#FFEB9C"),
    ("D", "未達成", Decimal(0), "#FFC7CE"),
    ("−", "評価不能", None, "#EDEDED"),
]
DEPARTMENTS = [  # name, division
    ("情報政策課", "企画政策部"),
    ("広報課", "企画政策部"),
    ("企画課", "企画政策部"),
    ("財政課", "企画政策部"),
    ("総務課", "総務部"),
    ("職員課", "総務部"),
    ("契約管財課", "総務部"),
    ("防災課", "総務部"),
    ("戸籍住民課", "区民部"),
    ("税務課", "区民部"),
    ("区民課", "区民部"),
    ("経済課", "アカデミー推進部"),
    ("観光・国際課", "アカデミー推進部"),
    ("スポーツ振興課", "アカデミー推進部"),
    ("福祉政策課", "福祉部"),
    ("高齢福祉課", "福祉部"),
    ("障害福祉課", "福祉部"),
    ("国保年金課", "福祉部"),
    ("子育て支援課", "子ども家庭部"),
    ("幼児保育課", "子ども家庭部"),
    ("生活衛生課", "保健衛生部"),
    ("健康推進課", "保健衛生部"),
    ("環境政策課", "資源環境部"),
    ("リサイクル清掃課", "資源環境部"),
    ("都市計画課", "都市計画部"),
    ("住環境課", "都市計画部"),
    ("道路課", "土木部"),
    ("みどり公園課", "土木部"),
    ("教育総務課", "教育推進部"),
    ("学務課", "教育推進部"),
]
PURPOSES = [  # code, text, keywords, technologies
    (
        "ア",
        "官民のデータを活用しながら区民・事業者等が協働して、本区の課題を解決できるような取り組みを進める。",
        ["オープンデータ", "アイデアソン・ハッカソン", "カタログサイト"],
        [],
    ),
    (
        "イ",
        "時代に即した便利な区民サービスを提供し、快適な生活環境の実現に寄与していく。",
        ["電子申請", "コンビニ交付"],
        ["マイナポータル"],
    ),
    (
        "ウ",
        "質の高い行政サービスを効率的・効果的に提供できるよう、先進のテクノロジーを活用しながら業務の改善につなげていく。",
        [
            "マイナンバーカードの普及・活用",
            "BPR",
            "情報セキュリティ対策",
            "庁外クラウド",
            "ペーパーレス会議",
            "テレワーク",
            "既存システムの共通基盤搭載",
        ],
        ["タブレット", "IoT", "RPA", "クラウド", "AI(人工知能)"],
    ),
]
# Per purpose: (theme of the measure's title, indicator, unit, typical target).
THEMES = {
    "ア": [
        ("オープンデータの公開", "公開データセット数", "件", 120),
        ("アイデアソン・ハッカソンの開催", "参加者数", "人", 200),
        ("カタログサイトの充実", "カタログサイトの閲覧数", "件", 30000),
        ("地域課題のデータ共有", "協働事業数", "件", 12),
    ],
    "イ": [
        ("行政手続のオンライン化", "電子申請対応手続数", "件", 300),
        ("コンビニ交付の利用促進", "コンビニ交付件数", "件", 25000),
        ("キャッシュレス決済の導入", "対応窓口数", "か所", 40),
        ("区民向けアプリの提供", "アプリ利用者数", "人", 15000),
    ],
    "ウ": [
        ("マイナンバーカードの普及", "マイナンバーカード交付率", "%", 60),
        ("RPAによる業務自動化", "削減時間", "時間", 5000),
        ("ペーパーレス会議の推進", "紙の削減枚数", "枚", 200000),
        ("テレワーク環境の整備", "テレワーク実施職員数", "人", 800),
        ("既存システムのクラウド化", "クラウド移行システム数", "件", 25),
        ("情報セキュリティ研修", "研修受講率", "%", 100),
    ],
}
NARRATIVES = [
    "対象を拡大し、利用者アンケートで改善点を集めた。",
    "試行運用を行い、効果を測定した。",
    "関係課と調整し、導入計画をまとめた。",
    "職員研修を実施し、利用を全庁に広げた。",
    "事業者と協定を結び、データを公開した。",
    "区報とホームページで周知した。",
]
ISSUES = ["予算の確保。", "関係課との調整。", "", "利用者への周知。", "システム改修の時期。", ""]
NEXT_STEPS = [
    "対象をさらに広げる。",
    "効果を検証して改善する。",
    "全庁展開を進める。",
    "次期計画に引き継ぐ。",
]
WITHDRAWAL_REASONS = [
    "実績値の集計に誤りがあったため。",
    "別の施策の報告として入力したため。",
    "年度を誤って入力したため。",
]
STAFF = [  # username, last name, first name
    ("synthetic-staff-1", "合成", "一郎"),
    ("synthetic-staff-2", "合成", "二美"),
    ("synthetic-staff-3", "合成", "三郎"),
    ("synthetic-staff-4", "合成", "四季"),
]
BODIES = [  # name, row_label, kind, order, parent's index
    ("IT・情報セキュリティ委員会", "", Body.Kind.COMMITTEE, 1, None),
    ("IT・情報セキュリティ部会", "", Body.Kind.SUBCOMMITTEE, 2, 0),
    ("庁議", "庁議報告", Body.Kind.EXECUTIVE, 3, None),
    ("区議会", "議会報告", Body.Kind.COUNCIL, 4, None),
    ("パブリック・コメント", "", Body.Kind.PUBLIC_COMMENT, 5, None),
]
PHASES = [("骨子検討", 4, 6), ("素案検討", 7, 9), ("最終案検討・決定", 10, 3)]
# The ward's FY2018 schedule (docs: DOMAIN): body index, kind, month, phase index, subject.
ITEMS = [
    (0, "meeting", 4, 0, "計画の骨子について"),
    (0, "meeting", 7, 1, "計画の素案について"),
    (0, "meeting", 10, 2, "計画の最終案について"),
    (0, "meeting", 1, 2, "計画の最終案について"),
    (1, "meeting", 5, 0, "計画の骨子について"),
    (1, "meeting", 7, 1, "計画の素案について"),
    (1, "meeting", 10, 2, "計画の最終案について"),
    (1, "meeting", 1, 2, "計画の最終案について"),
    (2, "report", 5, 0, "計画の骨子について"),
    (2, "report", 11, 2, "計画の最終案について"),
    (2, "report", 2, 2, "計画の最終案について"),
    (3, "report", 6, 0, "計画の骨子について"),
    (3, "report", 12, 2, "計画の最終案について"),
    (3, "report", 2, 2, "計画の最終案について"),
]


# --- The entry point --------------------------------------------------------------------------------


def build_synthetic_plans(
    *, plans: int, measures_per_plan: int, seed: int = 1, force: bool = False, history: bool = True
) -> SyntheticSummary:
    """Add ``plans`` synthetic plans of ``measures_per_plan`` measures each (see the module docstring).

    Raises SyntheticDataRefused when the database holds a plan whose name does not start with
    SYNTHETIC_PREFIX (unless ``force``), or when the years 1989–2100 have no room left.
    Runs in one transaction: on any error nothing is added.
    """
    if plans < 1 or not 1 <= measures_per_plan <= MAX_MEASURES_PER_PLAN:
        raise ValueError(f"plans ≥ 1 and 1 ≤ measures_per_plan ≤ {MAX_MEASURES_PER_PLAN}")
    started = time.perf_counter()
    with transaction.atomic():
        foreign = list(Plan.objects.exclude(name__startswith=SYNTHETIC_PREFIX).values_list("name", flat=True))
        if foreign and not force:
            raise SyntheticDataRefused(
                f"合成データではない計画があります({'、'.join(foreign[:3])})。"
                "このデータベースに合成データを加えるには --force を指定してください。"
            )
        periods = _free_periods(plans)
        shared = _Shared.load()
        done = Plan.objects.filter(name__startswith=SYNTHETIC_PREFIX).count()
        summary = SyntheticSummary(plans=[], periods=periods)
        for offset, (first, last) in enumerate(periods):
            number = done + offset + 1
            rng = random.Random(f"{seed}:{number}")
            plan = _build_plan(rng, shared, number, seed, first, last, measures_per_plan, summary, history)
            summary.plans.append(plan.name)
            summary.scheduled_items += _build_schedule(rng, shared, first - 1, history)
    summary.seconds = round(time.perf_counter() - started, 1)
    return summary


def _free_periods(count: int) -> list[tuple[int, int]]:
    """Three-year periods from FY1990 on that overlap no plan and whose drafting year has no schedule."""
    taken = set()
    for first, last in Plan.objects.values_list("first_fiscal_year", "last_fiscal_year"):
        taken.update(range(first, last + 1))
    scheduled = set(Phase.objects.values_list("fiscal_year", flat=True))
    scheduled |= set(ScheduledItem.objects.values_list("fiscal_year", flat=True))
    scheduled |= set(PublicCommentPeriod.objects.values_list("fiscal_year", flat=True))
    periods = []
    first = FIRST_PLAN_YEAR
    while len(periods) < count:
        last = first + PLAN_YEARS - 1
        if last > FISCAL_YEAR_MAX:
            raise SyntheticDataRefused(
                f"{FISCAL_YEAR_MAX}年度までに、ほかの計画と重ならない3年間の計画期間が{count}件分ありません"
                f"({len(periods)}件分だけ空いています)。"
            )
        if taken.isdisjoint(range(first, last + 1)) and first - 1 not in scheduled:
            periods.append((first, last))
            taken.update(range(first, last + 1))
            first = last + 1
        else:
            first += 1
    return periods


@dataclass
class _Shared:
    statuses: dict[str, int]
    scale_id: int
    departments: list[int]
    keywords: dict[str, int]
    technologies: dict[str, int]
    staff: list[int]
    users: dict[int, object]  # pk -> the staff member, for the history entries
    bodies: list[int]

    @classmethod
    def load(cls) -> _Shared:
        """The shared rows the plans use, created (with their first history entry) when missing."""
        statuses = _named(
            ProgressStatus,
            [ProgressStatus(name=n, symbol=s, color=c, order=i) for i, (n, s, c) in enumerate(STATUSES, 1)],
        )
        scale = EvaluationScale.objects.filter(name=SCALE_NAME).first() or EvaluationScale.objects.first()
        if scale is None:
            # Saved one by one, so django-simple-history records them (dated today: shared rows only).
            scale = EvaluationScale.objects.create(
                name=SCALE_NAME, description="達成率(実績値÷目標値)で判定する。"
            )
            for i, (code, label, minimum, color) in enumerate(GRADES, 1):
                EvaluationGrade.objects.create(
                    scale=scale, code=code, label=label, min_rate=minimum, color=color, order=i
                )
        departments = _named(
            Department,
            [Department(name=n, division=d, order=100 + i) for i, (n, d) in enumerate(DEPARTMENTS, 1)],
        )
        keyword_names = [k for _, _, keywords, _ in PURPOSES for k in keywords]
        keywords = _named(Keyword, [Keyword(name=n, order=100 + i) for i, n in enumerate(keyword_names, 1)])
        technology_names = [t for _, _, _, technologies in PURPOSES for t in technologies]
        technologies = _named(
            Technology, [Technology(name=n, order=100 + i) for i, n in enumerate(technology_names, 1)]
        )
        User = get_user_model()
        staff, users = [], {}
        for username, last, first in STAFF:
            user, created = User.objects.get_or_create(
                username=username, defaults={"last_name": last, "first_name": first, "is_active": False}
            )
            if created:
                user.set_unusable_password()
                user.save(update_fields=["password"])
            staff.append(user.pk)
            users[user.pk] = user
        bodies = []
        for name, row_label, kind, order, parent in BODIES:
            body = Body.objects.filter(name=name).first()
            if body is None:
                body = Body.objects.create(
                    name=name,
                    row_label=row_label,
                    kind=kind,
                    order=order,
                    parent_id=None if parent is None else bodies[parent],
                )
            bodies.append(body.pk)
        return cls(
            statuses=statuses,
            scale_id=scale.pk,
            departments=[departments[n] for n, _ in DEPARTMENTS],
            keywords=keywords,
            technologies=technologies,
            staff=staff,
            users=users,
            bodies=bodies,
        )


def _named(model, wanted: list) -> dict[str, int]:
    """name -> pk for these rows, creating the missing ones (with their first history entry)."""
    existing = dict(model.objects.filter(name__in=[o.name for o in wanted]).values_list("name", "pk"))
    missing = [o for o in wanted if o.name not in existing]
    if missing:
        model.objects.bulk_create(missing)
        for o in missing:
            o._history_date = _entered(date(FISCAL_YEAR_MIN, 4, 1))
        model.history.bulk_history_create(missing)
        existing.update((o.name, o.pk) for o in missing)
    return existing


# --- One plan -----------------------------------------------------------------------------------------


def _entered(day: date) -> datetime:
    """When a row dated ``day`` was entered: that day, 00:00 UTC (09:00 in Tokyo)."""
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def _build_plan(rng, shared, number, seed, first, last, count, summary, history) -> Plan:
    drafting_year = first - 1
    adopted_on = date(first, 3, 25)
    adopted = adopted_on <= REFERENCE_DAY
    plan = Plan(
        name=f"{SYNTHETIC_PREFIX}第{number}次官民データ活用推進計画(シード{seed})",
        legal_basis=LEGAL_BASIS,
        first_fiscal_year=first,
        last_fiscal_year=last,
        status=Plan.Status.ADOPTED if adopted else Plan.Status.DRAFTING,
        adopted_on=adopted_on if adopted else None,
        published=adopted and number % 2 == 1,
        evaluation_scale_id=shared.scale_id,
    )
    Plan.objects.bulk_create([plan])  # not save(): its history entry gets the plan's date below
    plan_entered = _entered(date(drafting_year, 4, 1))
    if history:
        plan._history_date = plan_entered
        Plan.history.bulk_history_create([plan])

    purposes = [
        Purpose(plan=plan, code=code, text=text, order=order)
        for order, (code, text, _, _) in enumerate(PURPOSES, 1)
    ]
    Purpose.objects.bulk_create(purposes)
    Purpose.keywords.through.objects.bulk_create(
        Purpose.keywords.through(purpose_id=p.pk, keyword_id=shared.keywords[k])
        for p, (_, _, keywords, _) in zip(purposes, PURPOSES, strict=True)
        for k in keywords
    )
    Purpose.technologies.through.objects.bulk_create(
        Purpose.technologies.through(purpose_id=p.pk, technology_id=shared.technologies[t])
        for p, (_, _, _, technologies) in zip(purposes, PURPOSES, strict=True)
        for t in technologies
    )
    if history:
        for p in purposes:
            p._history_date = plan_entered
        Purpose.history.bulk_history_create(purposes)

    for start in range(1, count + 1, BATCH):
        numbers = range(start, min(start + BATCH, count + 1))
        _build_measures(rng, shared, plan, purposes, numbers, plan_entered, summary, history)
    # created_at is auto_now_add, so bulk_create wrote the clock's time: set it to the report's day.
    ProgressReport.objects.filter(measure__plan=plan).update(created_at=Cast("as_of", DateTimeField()))
    return plan


def _build_measures(rng, shared, plan, purposes, numbers, plan_entered, summary, history) -> None:
    years = plan.fiscal_years
    measures, themes, links = [], [], []
    for n in numbers:
        purpose_index = rng.randrange(len(purposes))
        code, _, keywords, technologies = PURPOSES[purpose_index]
        theme = rng.choice(THEMES[code])
        departments = rng.sample(shared.departments, rng.choice((1, 1, 2)))
        measures.append(
            Measure(
                plan=plan,
                purpose=purposes[purpose_index],
                number=n,
                order=n,
                title=f"{theme[0]}(施策{n})",
                description=f"{theme[0]}に取り組み、{theme[1]}を増やす。",
            )
        )
        themes.append(theme)
        links.append(
            (
                departments,
                rng.sample(keywords, min(len(keywords), rng.randint(1, 3))),
                rng.sample(technologies, min(len(technologies), rng.randint(0, 2))),
            )
        )
    Measure.objects.bulk_create(measures, batch_size=BATCH)
    Measure.departments.through.objects.bulk_create(
        (
            Measure.departments.through(measure_id=m.pk, department_id=d)
            for m, (departments, _, _) in zip(measures, links, strict=True)
            for d in departments
        ),
        batch_size=BATCH,
    )
    Measure.keywords.through.objects.bulk_create(
        (
            Measure.keywords.through(measure_id=m.pk, keyword_id=shared.keywords[k])
            for m, (_, keywords, _) in zip(measures, links, strict=True)
            for k in keywords
        ),
        batch_size=BATCH,
    )
    Measure.technologies.through.objects.bulk_create(
        (
            Measure.technologies.through(measure_id=m.pk, technology_id=shared.technologies[t])
            for m, (_, _, technologies) in zip(measures, links, strict=True)
            for t in technologies
        ),
        batch_size=BATCH,
    )

    targets, reports = [], []
    for measure, (_, indicator, unit, typical) in zip(measures, themes, strict=True):
        scale = Decimal(typical) * Decimal(rng.randint(50, 150)) / 100
        baseline = (scale * Decimal("0.4")).quantize(Decimal("1"))
        for step, year in enumerate(years, 1):
            text_only = rng.random() < 1 / 12
            value = (
                None
                if text_only
                else (baseline + (scale - baseline) * step / len(years)).quantize(Decimal("1"))
            )
            if unit == "%":
                value = None if value is None else min(value, Decimal(100))
            targets.append(
                AnnualTarget(
                    measure=measure,
                    fiscal_year=year,
                    target_text=f"{fiscal.fiscal_year_label(year)}は{indicator}を"
                    + ("増やす。" if value is None else f"{value}{unit}にする。"),
                    indicator_name="" if text_only else indicator,
                    indicator_unit="" if text_only else unit,
                    baseline_value=None if text_only else baseline,
                    target_value=value,
                )
            )
            # Measure 1's first year always has a withdrawal, so that even a small plan shows one.
            reports += _reports_for_year(
                rng, shared, measure, year, value, withdraw=measure.number == 1 and step == 1
            )
    AnnualTarget.objects.bulk_create(targets, batch_size=BATCH)
    ProgressReport.objects.bulk_create(reports, batch_size=BATCH)
    for r in reports:
        r.created_at = _entered(r.as_of)

    summary.measures += len(measures)
    summary.targets += len(targets)
    summary.reports += len(reports)
    summary.withdrawn += sum(r.withdrawn_on is not None for r in reports)
    if history:
        for obj in (*measures, *targets):
            obj._history_date = plan_entered
        Measure.history.bulk_history_create(measures, batch_size=BATCH)
        AnnualTarget.history.bulk_history_create(targets, batch_size=BATCH)
        _report_history(shared, reports)


def _report_history(shared, reports: list[ProgressReport]) -> None:
    """Each report's entry when it was added, by its author; a withdrawn one's second entry, the
    withdrawal, on its day by the staff member who withdrew it (as the withdrawal page records it)."""
    added = []
    for r in reports:
        entry = copy.copy(r)
        entry.withdrawn_on, entry.withdrawal_reason, entry.withdrawn_by_id = None, "", None
        entry._history_date = r.created_at
        entry._history_user = shared.users[r.author_id]  # not r.author: a query per report
        added.append(entry)
    ProgressReport.history.bulk_history_create(added, batch_size=BATCH)
    withdrawn = [r for r in reports if r.withdrawn_on is not None]
    for r in withdrawn:
        r._history_date = _entered(r.withdrawn_on)
        r._history_user = shared.users[r.withdrawn_by_id]
    ProgressReport.history.bulk_history_create(withdrawn, batch_size=BATCH, update=True)


def _reports_for_year(rng, shared, measure, year, target_value, *, withdraw=False) -> list[ProgressReport]:
    """Two to four dated reports for one measure and year, progress rising; maybe one withdrawn."""
    days = [date(year, 9, 30)]
    if rng.random() < 0.4:
        days.append(date(year, 12, 31))
    days.append(date(year + 1, 3, 31))
    if rng.random() < 0.3:
        days.append(date(year + 1, 5, 31))
    days = [d for d in days if d <= REFERENCE_DAY]
    reports = []
    fate = rng.random()
    progress = 0
    for index, day in enumerate(days):
        last = index == len(days) - 1
        progress = min(100, progress + rng.randint(15, 60))
        if fate < 0.03:
            status = "中止"
        elif progress == 100:
            status = "完了"
        elif fate < 0.15:
            status = "遅延"
        elif progress < 20:
            status = "未着手"
        else:
            status = "実施中"
        share = Decimal(progress) / 100 * Decimal(rng.randint(70, 130)) / 100
        actual = None if target_value is None else (target_value * share).quantize(Decimal("0.01"))
        k = rng.randrange(1000)
        author = shared.staff[k % len(shared.staff)]
        reports.append(
            ProgressReport(
                measure=measure,
                fiscal_year=year,
                as_of=day,
                status_id=shared.statuses[status],
                actual_value=actual,
                progress_percent=progress,
                narrative=NARRATIVES[k % len(NARRATIVES)],
                issues=ISSUES[k % len(ISSUES)] if not last else "",
                next_steps=NEXT_STEPS[k % len(NEXT_STEPS)],
                author_id=author,
            )
        )
    if (rng.random() < 0.125 or withdraw) and reports:
        # A wrong figure entered on the first date, withdrawn a few days later; the standing
        # report of that date is its correction.
        first = reports[0]
        withdrawn_on = first.as_of + timedelta(days=rng.randint(1, 20))
        if withdrawn_on <= REFERENCE_DAY:
            reports.append(
                ProgressReport(
                    measure=measure,
                    fiscal_year=year,
                    as_of=first.as_of,
                    status_id=first.status_id,
                    actual_value=None if first.actual_value is None else first.actual_value * 10,
                    progress_percent=first.progress_percent,
                    narrative=first.narrative,
                    author_id=first.author_id,
                    withdrawn_on=withdrawn_on,
                    withdrawal_reason=rng.choice(WITHDRAWAL_REASONS),
                    withdrawn_by_id=shared.staff[0],
                )
            )
    return reports


# --- The drafting schedule ----------------------------------------------------------------------------


def _build_schedule(rng, shared, year: int, history: bool) -> int:
    """The plan's drafting schedule in ``year``, after the ward's FY2018 one; returns the items made."""
    entered = _entered(date(year, 4, 1))
    phases = Phase.objects.bulk_create(
        Phase(fiscal_year=year, name=name, first_month=a, last_month=b, order=i)
        for i, (name, a, b) in enumerate(PHASES, 1)
    )
    items = []
    for body, kind, month, phase, subject in ITEMS:
        calendar_year = year if month >= 4 else year + 1
        planned = date(calendar_year, month, rng.randint(8, 25))
        held = planned <= REFERENCE_DAY
        items.append(
            ScheduledItem(
                body_id=shared.bodies[body],
                kind=kind,
                fiscal_year=year,
                planned_month=month,
                planned_date=planned,
                actual_date=planned if held else None,
                status=ScheduledItem.Status.HELD if held else ScheduledItem.Status.PLANNED,
                subject=subject,
                phase=phases[phase],
            )
        )
    ScheduledItem.objects.bulk_create(items)
    start = date(year, 12, rng.randint(1, 10))
    end = start + timedelta(days=settings.PUBLIC_COMMENT_MIN_DAYS + rng.randint(0, 5))
    answered = end + timedelta(days=rng.randint(20, 40))
    over = answered <= REFERENCE_DAY
    comment = PublicCommentPeriod(
        body_id=shared.bodies[4],
        subject=f"官民データ活用推進計画({fiscal.fiscal_period_label(year + 1, year + PLAN_YEARS)})(案)",
        fiscal_year=year,
        planned_start_month=12,
        start_date=start if over else None,
        end_date=end if over else None,
        comments_received=rng.randint(0, 40) if over else None,
        answers_published_on=answered if over else None,
    )
    PublicCommentPeriod.objects.bulk_create([comment])
    if history:
        for obj in (*phases, *items, comment):
            obj._history_date = entered
        Phase.history.bulk_history_create(phases)
        ScheduledItem.history.bulk_history_create(items)
        PublicCommentPeriod.history.bulk_history_create([comment])
    return len(items)
