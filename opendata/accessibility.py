"""The 試験結果 of the public pages, as the application's own axe-core run recorded it.

tests/test_public_accessibility_browser.py runs axe-core (WCAG 2.0 and 2.1, A and AA) on every
page listed in RESULTS_FILE at 1280 and 375 px, and fails when what it finds differs from what the
file says; with WRITE_ACCESSIBILITY_RESULTS=1 it writes the file instead. The pages read the file,
so they never say more, or less, than the last run that the tests hold them to.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path

RESULTS_FILE = Path(__file__).parent / "accessibility_results.json"

# JIS X 8341-3:2016 (= WCAG 2.0) success criteria of levels A and AA, with the JIS names.
CRITERIA = (
    ("1.1.1", "非テキストコンテンツ", "A"),
    ("1.2.1", "音声のみ及び映像のみ(収録済)", "A"),
    ("1.2.2", "キャプション(収録済)", "A"),
    ("1.2.3", "音声解説又はメディアに対する代替(収録済)", "A"),
    ("1.2.4", "キャプション(ライブ)", "AA"),
    ("1.2.5", "音声解説(収録済)", "AA"),
    ("1.3.1", "情報及び関係性", "A"),
    ("1.3.2", "意味のある順序", "A"),
    ("1.3.3", "感覚的な特徴", "A"),
    ("1.4.1", "色の使用", "A"),
    ("1.4.2", "音声の制御", "A"),
    ("1.4.3", "コントラスト(最低限レベル)", "AA"),
    ("1.4.4", "テキストのサイズ変更", "AA"),
    ("1.4.5", "文字画像", "AA"),
    ("2.1.1", "キーボード", "A"),
    ("2.1.2", "キーボードトラップなし", "A"),
    ("2.2.1", "タイミング調整可能", "A"),
    ("2.2.2", "一時停止、停止及び非表示", "A"),
    ("2.3.1", "3回のせん(閃)光、又はしきい(閾)値以下", "A"),
    ("2.4.1", "ブロックスキップ", "A"),
    ("2.4.2", "ページタイトル", "A"),
    ("2.4.3", "フォーカス順序", "A"),
    ("2.4.4", "リンクの目的(コンテキスト内)", "A"),
    ("2.4.5", "複数の手段", "AA"),
    ("2.4.6", "見出し及びラベル", "AA"),
    ("2.4.7", "フォーカスの可視化", "AA"),
    ("3.1.1", "ページの言語", "A"),
    ("3.1.2", "一部分の言語", "AA"),
    ("3.2.1", "フォーカス時", "A"),
    ("3.2.2", "入力時", "A"),
    ("3.2.3", "一貫したナビゲーション", "AA"),
    ("3.2.4", "一貫した識別性", "AA"),
    ("3.3.1", "エラーの特定", "A"),
    ("3.3.2", "ラベル又は説明", "A"),
    ("3.3.3", "エラー修正の提案", "AA"),
    ("3.3.4", "エラー回避(法的、金融及びデータ)", "AA"),
    ("4.1.1", "構文解析", "A"),
    ("4.1.2", "名前(name)、役割(role)及び値(value)", "A"),
)


# Criteria axe-core has no rule for, which the application's own tests check on the same pages
# (tests/test_public_browser.py, tests/test_public_pages.py): what each test establishes.
OWN_TESTS = {
    "1.4.1": "評価を記号と言葉(A 目標達成など)で示し、色だけで示していないことを試験",
    "2.1.1": "キーボードだけで施策を絞り込めることを試験",
    "2.4.3": "Tabキーで、本文へ移動のリンクから順に絞り込みの項目まで進めることを試験",
    "2.4.6": "見出しの階層が飛ばずに順に並ぶことを試験",
    "2.4.7": "Tabキーで移る先のすべてでフォーカスの枠が見えることを試験",
}
OWN_TEST_RESULT = "適合(アプリケーションの試験)"
# The 対応度 (WAIC's 対応度表記ガイドライン) claimed once every criterion is tested, and by when.
TARGET_LEVEL = "AA"
TARGET_DEADLINE = date(2027, 3, 31)


@dataclass(frozen=True)
class CriterionResult:
    number: str
    name: str
    level: str
    result: str  # 適合 / 不適合 / 該当なし(自動試験の対象がない) / 自動試験なし
    rules: tuple[str, ...]  # the axe-core rules that tested it

    @property
    def own_test(self) -> str:
        return OWN_TESTS.get(self.number, "")

    @property
    def shown_result(self) -> str:
        """The result as published: axe's, or the application's own test's where axe has no rule or
        found nothing its rules apply to (2.1.1: no scrolling region or image map, yet a form)."""
        if self.result in ("自動試験なし", "該当なし") and self.own_test:
            return OWN_TEST_RESULT
        return self.result


@dataclass(frozen=True)
class Results:
    tested_on: date
    axe_version: str
    browser: str
    widths: tuple[int, ...]
    pages: tuple[dict, ...]  # {"path", "title", "violations"}
    criteria: tuple[CriterionResult, ...]

    @property
    def untested(self) -> list[CriterionResult]:
        """The criteria neither axe-core nor the application's own tests check: to be tested by hand."""
        return [c for c in self.criteria if c.shown_result == "自動試験なし"]

    @property
    def conformance(self) -> str:
        """準拠 when every criterion is tested and none fails; else 一部準拠 (WAIC's wording)."""
        failed = any(c.result == "不適合" for c in self.criteria)
        return "一部準拠" if failed or self.untested else "準拠"

    @property
    def violation_count(self) -> int:
        return sum(len(page["violations"]) for page in self.pages)


def results_read() -> Results | None:
    """The stored run; None before the first one."""
    if not RESULTS_FILE.exists():
        return None
    data = json.loads(RESULTS_FILE.read_text(encoding="utf-8"))
    names = {number: (name, level) for number, name, level in CRITERIA}
    return Results(
        tested_on=date.fromisoformat(data["tested_on"]),
        axe_version=data["axe_version"],
        browser=data["browser"],
        widths=tuple(data["widths"]),
        pages=tuple(data["pages"]),
        criteria=tuple(
            CriterionResult(number, *names[number], entry["result"], tuple(entry["rules"]))
            for number, entry in data["criteria"].items()
        ),
    )
