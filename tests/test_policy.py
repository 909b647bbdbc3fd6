"""Decisions per action, the handling rules and liabilities that come with them, and the policy
data itself: every rule reachable, every source filled in, broken files named exactly."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from leakscan import ACTIONS, CATEGORIES, Finding, Location, PolicyError, Scanner
from leakscan.cli import main
from leakscan.patternset import builtin_rule_ids
from leakscan.policy import Policy

from .conftest import ROOT

POLICY = Policy.load()
DATA = Path(__file__).parent / "data" / "policies"


def finding(category: str, severity: str = "medium", level: str | None = None,
            rule: str = "test-rule") -> Finding:
    return Finding(rule=rule, category=category, severity=severity, level=level,
                   location=Location("body", line=1, column=1), masked="***")


# Representative findings of each kind the default policy distinguishes.
KINDS: dict[str, list[Finding]] = {
    "密": [finding("classification", "medium", "密")],
    "機密": [finding("classification", "high", "機密")],
    "極機密": [finding("classification", "high", "極機密")],
    "絕對機密": [finding("classification", "high", "絕對機密")],
    "底價金額": [finding("procurement", "high", rule="bid-floor-price-amount")],
    "廠商名單": [finding("procurement", "medium", rule="bidder-list")],
    "提及底價": [finding("procurement", "low", rule="bid-floor-price-mention")],
    "一人個資": [finding("personal-data", "medium", rule="tw-national-id")],
    "名冊": [finding("personal-data", "medium", rule="tw-national-id")] * 5,
    "檢舉人身分": [finding("personal-data", "high", rule="tw-national-id")],
    "信用卡": [finding("personal-data", "high", rule="credit-card")],
    "承辦人資訊": [finding("personal-data", "info", rule="tw-landline")],
    "特種個資-高": [finding("sensitive-personal-data", "high")],
    "特種個資-中": [finding("sensitive-personal-data", "medium")],
    "營業秘密": [finding("trade-secret", "medium")],
    "限閱": [finding("dissemination", "medium")],
    "請勿外流": [finding("dissemination", "low")],
    "密碼": [finding("credential", "high", rule="password-value")],
}

# The default policy, written out by hand from the requirements (not derived from the data):
#   share email fax print upload hand-carry meeting dispose
EXPECTED = """
密           warn  block warn  warn  block warn  warn  warn
機密         block block block warn  block warn  warn  warn
極機密       block block block warn  block warn  warn  warn
絕對機密     block block block block block warn  warn  warn
底價金額     block block block block block warn  block block
廠商名單     warn  warn  warn  warn  block warn  warn  warn
提及底價     allow allow allow allow allow allow allow allow
一人個資     warn  warn  warn  warn  warn  allow warn  warn
名冊         warn  warn  warn  warn  block warn  warn  warn
檢舉人身分   block block block warn  block warn  block warn
信用卡       warn  warn  warn  warn  warn  allow warn  warn
承辦人資訊   allow allow allow allow allow allow allow allow
特種個資-高  block block block warn  block warn  warn  warn
特種個資-中  warn  warn  warn  warn  block warn  warn  warn
營業秘密     warn  warn  warn  warn  block allow warn  warn
限閱         warn  warn  warn  warn  block allow warn  warn
請勿外流     allow warn  allow allow warn  allow allow allow
密碼         block block block block block block block warn
"""
MATRIX = [(row.split()[0], action, verdict) for row in EXPECTED.strip().splitlines()
          for action, verdict in zip(ACTIONS, row.split()[1:], strict=True)]


@pytest.mark.parametrize(("kind", "action", "verdict"), MATRIX, ids=[f"{k}-{a}" for k, a, _ in MATRIX])
def test_default_policy_matrix(kind: str, action: str, verdict: str) -> None:
    assert POLICY.decide(KINDS[kind], "scanned", action).verdict == verdict


def test_matrix_covers_every_category_and_action() -> None:
    assert {f.category for fs in KINDS.values() for f in fs} == set(CATEGORIES)
    assert {a for _, a, _ in MATRIX} == set(ACTIONS)


def test_every_default_policy_entry_decides_something() -> None:
    used = {r.detail for kind in KINDS.values() for action in ACTIONS
            for r in POLICY.decide(kind, "scanned", action).reasons if r.code == "policy"}
    unused = {e.id for e in POLICY.entries if e.verdict != "allow"} - used
    assert unused == set()


@pytest.mark.parametrize("status", ["partial", "unreadable"])
def test_files_not_fully_read_warn_or_block_when_fail_closed(status: str) -> None:
    assert POLICY.decide([], status, "email").verdict == "warn"
    assert Policy.load(fail_closed=True).decide([], status, "email").verdict == "block"


@pytest.mark.parametrize("status", ["scanned", "partial", "unreadable"])
def test_found_is_the_verdict_of_the_findings_without_the_read_status(status: str) -> None:
    """What a gateway reads to tell "blocks for what it found" from "blocks as unread"."""
    strict = Policy.load(fail_closed=True)
    assert strict.decide([], status, "email").found == "allow"
    assert strict.decide([finding("personal-data", "medium")], status, "email").found == "warn"
    assert strict.decide(KINDS["極機密"], status, "email").found == "block"
    summary, each = Scanner(action="all", policy=strict).decide([finding("personal-data")], status)
    assert summary.found == max((d.found for d in each), key=["allow", "warn", "block"].index)


@given(st.lists(st.sampled_from(sorted(KINDS)), max_size=6),
       st.sampled_from(["scanned", "partial", "unreadable"]), st.sampled_from(ACTIONS))
def test_a_policy_that_remembers_decisions_decides_as_a_fresh_one(kinds: list[str], status: str,
                                                                  action: str) -> None:
    """POLICY has decided many mixes before (memo); a new Policy has decided none."""
    findings = [f for kind in kinds for f in KINDS[kind]]
    assert POLICY.decide(findings, status, action) == Policy.load().decide(findings, status, action)


def test_clean_file_gets_no_rules() -> None:
    decision = POLICY.decide([], "scanned", "fax")
    assert (decision.verdict, decision.handling, decision.liability) == ("allow", (), ())


def test_fax_of_classified_lists_the_fax_procedure_with_sources() -> None:
    decision = POLICY.decide(KINDS["密"], "scanned", "fax")
    ids = [r.id for r in decision.handling]
    assert {"fax-classified-approval", "fax-confirm-number", "fax-stay-until-done",
            "fax-confirm-pages"} <= set(ids)
    confirm = next(r for r in decision.handling if r.id == "fax-confirm-number")
    assert "公務機密維護宣導 三(一)4" in confirm.source
    laws = {r.source[0] for r in decision.liability}
    assert {"刑法 第132條", "公務員服務法 第5條"} <= laws


def test_liabilities_cite_current_articles_and_note_the_old_ones() -> None:
    by_law = {e.rule.source[0]: e.rule for e in POLICY.liabilities}
    assert "公務員服務法 第4條" in by_law["公務員服務法 第5條"].note
    personal = next(r for law, r in by_law.items() if law.startswith("個人資料保護法 第44條"))
    assert "電腦處理個人資料保護法 第35條" in personal.note
    assert not any(law.split()[-1] == "第4條" for law in by_law if law.startswith("公務員服務法"))


# --- the data: every rule reachable, every source filled in -----------------------------------

def _trigger(entry) -> tuple[list[Finding], bool]:
    condition = entry.condition
    category = sorted(condition.categories)[0] if condition.categories else "credential"
    level = sorted(condition.levels)[0] if condition.levels else (
        "機密" if category == "classification" else None)
    rule = sorted(condition.rules)[0] if condition.rules else "tw-national-id"
    one = finding(category, "high", level, rule)
    roster = bool(condition.roster)
    return [one] * (POLICY.roster_threshold if roster else 1), roster


@pytest.mark.parametrize("entry", POLICY.handling, ids=lambda e: e.rule.id)
def test_every_handling_rule_is_reachable_and_sourced(entry) -> None:
    findings, _ = _trigger(entry)
    action = sorted(entry.actions)[0]
    assert entry.rule.id in [r.id for r in POLICY.decide(findings, "scanned", action).handling]
    assert entry.rule.source and all(s.strip() for s in entry.rule.source)
    assert entry.rule.text_zh.strip() and entry.rule.text_en.strip()


@pytest.mark.parametrize("entry", POLICY.liabilities, ids=lambda e: e.rule.id)
def test_every_liability_is_reachable(entry) -> None:
    findings, _ = _trigger(entry)
    assert entry.rule.id in [r.id for r in POLICY.decide(findings, "scanned", "share").liability]


def test_handling_rules_cover_every_action_and_the_guidance_sections() -> None:
    for action in ACTIONS:
        assert len(POLICY.rules_for(action)) >= 2, action
    sources = " ".join(s for e in POLICY.handling for s in e.rule.source)
    for section in ["三(一)1", "三(一)2", "三(一)3", "三(一)4", "三(二)1", "三(二)3", "三(三)1",
                    "三(三)2", "三(三)3", "三(三)4", "三(四)1", "三(四)2", "三(四)3", "三(四)4"]:
        assert f"公務機密維護宣導 {section}" in sources, section


@pytest.mark.parametrize(("name", "message"), [
    ("bad-verdict", "bad-verdict.toml: too-strict: verdict: must be one of allow, warn, block"),
    ("bad-action", "bad-action.toml: odd-action: actions: 'telegraph' is not one of"),
    ("bad-level", "bad-level.toml: odd-level: levels: '超機密' is not one of"),
])
def test_broken_policy_files_are_named(name: str, message: str) -> None:
    with pytest.raises(PolicyError) as caught:
        Policy.load(DATA / f"{name}.toml")
    assert message in str(caught.value)


@pytest.mark.parametrize(("name", "message"), [
    ("unknown-rule", "unknown-rule.toml: typo-rule: rules: unknown rule 'tw-mobil'"),
    ("unknown-roster-rule", "unknown-roster-rule.toml: settings.roster_rules: unknown rule 'passport-numbr'"),
])
def test_a_policy_naming_a_rule_no_pattern_set_defines_is_refused(name: str, message: str) -> None:
    """A typo in ``rules`` would switch its entry off silently: the scanner refuses it (exit 2)."""
    policy = Policy.load(DATA / f"{name}.toml")  # the file alone cannot know the pattern sets
    with pytest.raises(PolicyError) as caught:
        Scanner(policy=policy)
    assert message in str(caught.value)
    result = CliRunner().invoke(main, ["scan", "--policy", str(DATA / f"{name}.toml"), "-"], input="x")
    assert result.exit_code == 2 and message in result.output


def test_builtin_policy_and_handling_rules_name_only_builtin_rules() -> None:
    builtin = builtin_rule_ids()
    assert builtin == {r.id for r in Scanner().rules}
    POLICY.check_rules(builtin)  # raises on the first unknown id
    named = {rule for e in (*POLICY.entries, *POLICY.handling, *POLICY.liabilities)
             for rule in (e.condition.rules or ())} | POLICY.roster_rules
    assert named <= builtin and len(named) > 5
    with pytest.raises(PolicyError, match="unknown rule 'tw-mobile'"):
        POLICY.check_rules(builtin - {"tw-mobile"})


def test_the_whistleblower_entries_name_the_same_rules() -> None:
    """Three lists of one set (two decisions, one handling rule): they must not drift apart."""
    lists = {e.id: e.condition.rules for e in POLICY.entries if e.id.startswith("whistleblower")}
    lists |= {e.rule.id: e.condition.rules for e in POLICY.handling if e.rule.id.startswith("whistleblower")}
    assert len(lists) == 3 and len(set(lists.values())) == 1, lists


USER_SET = """[set]
name = "agency"
[[rules]]
id = "project-codename"
category = "trade-secret"
severity = "medium"
name = { zh = "專案代號", en = "Project code name" }
keywords = ["專案代號"]
regex = '''專案代號[:：]\\S+'''
[rules.examples]
match = ["專案代號：青鳥"]
no_match = ["專案"]
"""


def test_a_scanner_without_builtin_rules_still_accepts_the_builtin_policy(tmp_path: Path) -> None:
    own = tmp_path / "own.toml"
    own.write_text(USER_SET, encoding="utf-8")
    assert Scanner([own], builtin=False).scan_text("專案代號：青鳥", name="x.txt").findings


def test_missing_policy_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="no such policy file"):
        Policy.load(tmp_path / "none.toml")


def test_agency_policy_example_changes_decisions() -> None:
    strict = Policy.load(ROOT / "examples" / "policies" / "strict-agency.toml")
    assert strict.decide(KINDS["一人個資"], "scanned", "email").verdict == "block"
    assert POLICY.decide(KINDS["一人個資"], "scanned", "email").verdict == "warn"
    assert strict.decide([], "partial", "share").verdict == "block"


# --- through the scanner and the command line --------------------------------------------------

def test_action_all_decides_every_action(scanner: Scanner) -> None:
    result = scanner.scan_text("密等及解密條件或保密期限：密（本件於公布時解密）", action="all")
    assert [d.action for d in result.decisions] == list(ACTIONS)
    assert result.decision.verdict == "block"  # upload and e-mail block a 密 document
    assert {d.action: d.verdict for d in result.decisions}["fax"] == "warn"


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("lang", ["zh-TW", "en"])
def test_examples_get_a_fitting_decision_and_rules_per_action(action: str, lang: str) -> None:
    result = run("scan", str(ROOT / "examples"), "--action", action, "--lang", lang, "--format", "json")
    files = {Path(f["path"]).name: f for f in json.loads(result.output)["files"]}
    secret = files["簽呈-機密採購.txt"]
    assert secret["decision"] in ("warn", "block") and secret["handling"] and secret["liability"]
    assert all(h["source"] for h in secret["handling"])
    if action != "hand-carry":
        assert secret["decision"] == "block"
    assert files["一般公文-函.txt"]["decision"] == "allow"
    text = run("scan", str(ROOT / "examples" / "簽呈-機密採購.txt"), "--action", action, "--lang", lang)
    verdict_line = next(line for line in text.output.splitlines() if "→" in line)
    assert ("blocked" if lang == "en" else "禁止") in verdict_line or action == "hand-carry"


def test_fax_verdict_line_and_numbered_rules() -> None:
    output = run("scan", str(ROOT / "examples" / "簽呈-機密採購.txt"), "--action", "fax").output
    assert "→ 傳真：禁止" in output
    assert "1) " in output and "[公務機密維護宣導 三(一)4" in output and "法律責任：" in output


def test_cli_action_all_json() -> None:
    result = run("scan", str(ROOT / "examples" / "會議紀錄-資訊室.md"), "--action", "all", "--format", "json")
    [entry] = json.loads(result.output)["files"]
    assert entry["action"] == "all" and len(entry["decisions"]) == len(ACTIONS)
    assert all(d["decision"] == "block" for d in entry["decisions"] if d["action"] != "dispose")


def test_cli_policy_option_and_errors() -> None:
    roster = str(ROOT / "examples" / "名冊-研習學員.csv")
    strict = str(ROOT / "examples" / "policies" / "strict-agency.toml")
    assert run("scan", roster, "--action", "email").exit_code == 0
    assert run("scan", roster, "--action", "email", "--policy", strict).exit_code == 1
    broken = CliRunner().invoke(main, ["scan", roster, "--policy", str(DATA / "bad-verdict.toml")])
    assert broken.exit_code == 2 and "too-strict: verdict" in broken.output


def test_cli_rules_and_explain() -> None:
    listing = run("rules", "--action", "fax")
    assert "fax-confirm-number" in listing.output and "upload-no-generative-ai" not in listing.output
    explained = run("explain", "fax-confirm-number", "--lang", "en")
    assert explained.exit_code == 0 and "公務機密維護宣導 三(一)4" in explained.output
    assert "刑法 第132條" in run("explain", "criminal-code-132").output
    assert "block" in run("explain", "national-secret-no-transmission", "--lang", "en").output.lower()


def test_decisions_do_not_depend_on_what_one_policy_decided_before() -> None:
    """Answers are remembered per kind of finding: a roster must not leak into a single ID."""
    shared = Policy.load()
    order = ["一人個資", "名冊", "一人個資", "承辦人資訊", "名冊", "機密", "一人個資"]
    for kind in order:
        for action in ACTIONS:
            assert shared.decide(KINDS[kind], "partial", action) == \
                Policy.load().decide(KINDS[kind], "partial", action), (kind, action)


def test_a_floor_price_in_an_award_notice_is_reported_but_not_blocked() -> None:
    """政府採購法: the 底價 is secret until award and published in the 決標公告 after it."""
    notice = "決標公告\n標案名稱：辦公室修繕工程\n底價：新臺幣4,650,000元\n決標金額：新臺幣4,500,000元"
    for policy in (POLICY, Policy.load(ROOT / "examples" / "policies" / "strict-agency.toml")):
        scanner = Scanner(action="email", policy=policy)
        published = scanner.scan_text(notice, name="決標公告.txt")
        assert [(f.rule, f.severity) for f in published.findings] == [("bid-floor-price-amount", "low")]
        assert published.verdict != "block"
        assert scanner.scan_text("本案底價新臺幣4,650,000元", name="簽.txt").verdict == "block"
