"""Every detection bullet of the engine, with positive and negative cases."""

from __future__ import annotations

import random
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from leakscan import Scanner
from leakscan.model import Finding, Location, Reason, new_finding, severity_rank
from leakscan.validators import tw_national_id

from .conftest import GUIDANCE, rules_found


def categories(scanner: Scanner, text: str, part: str = "body") -> dict[str, list]:
    out: dict[str, list] = {}
    for findings in rules_found(scanner, text, part).values():
        for finding in findings:
            out.setdefault(finding.category, []).append(finding)
    return out


def at_least(findings: list, severity: str) -> list:
    return [f for f in findings if severity_rank(f.severity) >= severity_rank(severity)]


# --- classification ---------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "level", "severity"), [
    ("密等及解密條件或保密期限：密（本件於公布時解密）", "密", "medium"),
    ("密等及解密條件或保密期限：機密（本件至115年12月31日解密）", "機密", "high"),
    ("密等及解密條件或保密期限：極機密", "極機密", "high"),
    ("密等及解密條件：絕對機密（保存年限屆滿後解密）", "絕對機密", "high"),
    ("密　　等：機密", "機密", "high"),
    ("機密", "機密", "high"),
    ("（密）", "密", "medium"),
    ("極機密", "極機密", "high"),
    ("　絕 對 機 密　", "絕對機密", "high"),
    ("主旨：檢送會議紀錄\n機密\n說明：", "機密", "high"),
], ids=["field-mi", "field-jimi", "field-jijimi", "old-label", "spaced-label", "stamp-jimi",
        "stamp-paren-mi", "stamp-jijimi", "stamp-spaced", "stamp-in-document"])
def test_classification_markings(scanner: Scanner, text: str, level: str, severity: str) -> None:
    found = categories(scanner, text)["classification"]
    assert [f.level for f in found] == [level]
    assert found[0].severity == severity


@pytest.mark.parametrize("part", ["header", "footer", "title", "filename", "subject"])
def test_level_in_header_footer_title_filename(scanner: Scanner, part: str) -> None:
    found = categories(scanner, "極機密　第 1 頁", part)["classification"]
    assert [f.level for f in found] == ["極機密"]
    assert found[0].location.part == part


def test_level_alone_in_body_prose_is_not_a_header_marking(scanner: Scanner) -> None:
    assert "classification" not in categories(scanner, "極機密 第 1 頁", "body")


@pytest.mark.parametrize("text", [
    "密等及解密條件或保密期限：普通",
    "密等及解密條件或保密期限：",
    "密切聯繫", "親密關係", "密碼學導論", "祕密花園", "資料的機密性", "速別：最速件",
    "機密文件之會簽、陳判等公文處理流程，應由承辦人員親自持送",
    "(一)文書機密", "國家機密保護法", "本件列為機密文件處理",
], ids=lambda t: t[:12])
def test_prose_about_secrecy_is_not_a_marking(scanner: Scanner, text: str) -> None:
    for part in ("body", "header", "title"):
        assert "classification" not in categories(scanner, text, part), part


@pytest.mark.parametrize("path", GUIDANCE, ids=lambda p: p.name)
def test_guidance_texts_yield_no_classification(scanner: Scanner, path) -> None:
    result = scanner.scan_text(path.read_text(encoding="utf-8"), name=path.name)
    assert not [f for f in result.findings if f.category == "classification"]


# --- dissemination ----------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "severity"), [
    ("限閱", "medium"), ("內部限閱", "medium"), ("機敏資料", "medium"),
    ("僅供內部參考", "low"), ("請勿外流", "low"), ("王局長親啟", "low"),
])
def test_dissemination_markers(scanner: Scanner, text: str, severity: str) -> None:
    found = categories(scanner, text)["dissemination"]
    assert [f.severity for f in found] == [severity]


def test_dissemination_terms_inside_other_words(scanner: Scanner) -> None:
    assert "dissemination" not in categories(scanner, "享受無限閱讀，注意手機敏感度")


# --- procurement ------------------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "底價新臺幣1,234,000元",
    "核定底價新臺幣壹佰貳拾萬元整",
    "底價：１，２５０，０００元",
    "本案底價為捌佰壹拾貳萬元整",
    "建議底價NT$980,000元",
], ids=["ascii", "daxie-zheng", "fullwidth", "daxie", "ntd"])
def test_floor_price_with_amount_is_high(scanner: Scanner, text: str) -> None:
    found = categories(scanner, text)["procurement"]
    assert [f.rule for f in found] == ["bid-floor-price-amount"]
    assert found[0].severity == "high"
    assert not any(ch.isdigit() for ch in found[0].masked.replace("底價", ""))
    assert found[0].masked != found[0].value


def test_floor_price_mentioned_only_is_low(scanner: Scanner) -> None:
    found = categories(scanner, "公務員如洩漏底價，將依刑法處罰。")["procurement"]
    assert [(f.rule, f.severity) for f in found] == [("bid-floor-price-mention", "low")]


@pytest.mark.parametrize("text", [
    "本案預算金額新臺幣5,000,000元",
    "預算金額：新臺幣５，０００，０００元",
    "底價不得高於預算金額新臺幣5,000,000元",
    "這件古董到底價值多少錢？新臺幣100元",
])
def test_budget_amount_and_look_alikes_are_not_floor_prices(scanner: Scanner, text: str) -> None:
    assert not at_least(categories(scanner, text).get("procurement", []), "medium")


@pytest.mark.parametrize("text", [
    "領標廠商名單如附件", "本案計有3家廠商領標", "投標廠商家數：5家", "評選委員名單", "附件：標單",
])
def test_bidders_committee_and_bid_forms_are_medium(scanner: Scanner, text: str) -> None:
    assert at_least(categories(scanner, text)["procurement"], "medium")


# --- personal data ----------------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "身分證字號A123456789", "身分證：Ａ１２３４５６７８９", "王小明F131104093先生",
    "統一證號A800000014", "居留證AC03095424",
], ids=["glued", "fullwidth", "between-han", "resident-new", "resident-old"])
def test_identifiers_found_glued_and_full_width(scanner: Scanner, text: str) -> None:
    found = categories(scanner, text)["personal-data"]
    assert len(found) == 1 and found[0].severity == "medium"
    assert found[0].masked.count("*") >= 6


def test_full_width_identifier_points_at_and_masks_original(scanner: Scanner) -> None:
    text = "第二行\n身分證：Ａ１２３４５６７８９號"
    [finding] = categories(scanner, text)["personal-data"]
    assert finding.value == "Ａ１２３４５６７８９"
    assert finding.masked == "Ａ１" + "*" * 6 + "８９"
    assert (finding.location.line, finding.location.column) == (2, 5)


@pytest.mark.parametrize("text", ["A123456788", "身分證字號F131104091", "A323456789", "AA00000000"])
def test_checksum_failing_look_alikes_are_not_medium(scanner: Scanner, text: str) -> None:
    assert not at_least(categories(scanner, text).get("personal-data", []), "medium")


def test_roster_gives_one_finding_per_identifier(scanner: Scanner) -> None:
    rng = random.Random(7)
    ids = []
    while len(ids) < 30:
        body = f"{rng.choice('ABCDEFGHJKLMNPQRSTUVXYWZIO')}{rng.choice('12')}{rng.randrange(10**7):07d}"
        ids.extend(body + d for d in "0123456789" if tw_national_id(body + d))
    roster = "\n".join(f"{i + 1:02d} 王小{i}　{pid}" for i, pid in enumerate(ids[:30]))
    found = rules_found(scanner, roster)["tw-national-id"]
    assert len(found) == 30
    assert [f.location.line for f in found] == list(range(1, 31))


@pytest.mark.parametrize(("text", "rule"), [
    ("家長手機0912345678", "tw-mobile"),
    ("手機：0912-345-678", "tw-mobile"),
    ("+886 912 345 678", "tw-mobile"),
    ("住家電話02-2345-6789", "tw-landline"),
    ("(04)2345-6789", "tw-landline"),
    ("請寄到wang.xm@gmail.com", "email-address"),
    ("戶籍地址：臺北市中正區重慶南路1段122號", "home-address"),
    ("出生年月日：民國70年1月1日", "date-of-birth"),
    ("生日：70.01.01", "date-of-birth"),
    ("出生日期：1981/01/01", "date-of-birth"),
    ("護照號碼：312345678", "passport-number"),
    ("健保卡號：000012345678", "health-insurance-card"),
    ("匯款帳號：012-345-678901（臺灣銀行）", "bank-account"),
    ("信用卡號：4111 1111 1111 1111", "credit-card"),
], ids=lambda v: v if v[:2].isascii() else None)
def test_private_contact_and_identifiers_are_medium_or_more(scanner: Scanner, text: str, rule: str) -> None:
    found = rules_found(scanner, text)[rule]
    assert at_least(found, "medium")


OFFICIAL_HEADER = """檔　　號：
保存年限：
臺北市政府　函
地址：10051臺北市中正區重慶南路1段122號
承辦人：王小明
電話：(02)2311-2345
傳真：(02)2311-6789
電子信箱：xm.wang@mail.taipei.gov.tw
受文者：如行文單位
發文日期：中華民國115年1月5日
發文字號：府授秘字第1150000001號
速別：普通件
密等及解密條件或保密期限：
"""


def test_officials_in_a_letter_header_are_info_or_low(scanner: Scanner) -> None:
    found = categories(scanner, OFFICIAL_HEADER).get("personal-data", [])
    assert found, "the header's contact details are still reported, as info"
    assert not at_least(found, "medium")
    assert "classification" not in categories(scanner, OFFICIAL_HEADER)


OFFICIAL_BODY = OFFICIAL_HEADER + """主旨：檢送本府115年度研習計畫1份，請查照。
說明：
一、請於5月20日前以電子郵件將報名表寄送至train@mail.taipei.gov.tw，俾利彙整。
二、如有疑義，請洽本府人事處李科長，電話：(02)2720-8889分機1234。
三、系統操作問題請逕洽資訊室客服專線(02)2720-8888。
"""


def test_an_ordinary_letter_is_not_flagged_for_its_offices_contacts(scanner: Scanner) -> None:
    """Letters name their offices' numbers and mailboxes in the body too; every letter would warn."""
    result = scanner.scan_text(OFFICIAL_BODY, action="share")
    personal = [f for f in result.findings if f.category == "personal-data"]
    assert {f.rule for f in personal} >= {"tw-landline", "email-address"}  # still reported
    assert not at_least(personal, "medium")
    assert result.verdict == "allow"


@pytest.mark.parametrize("letter", [OFFICIAL_HEADER, OFFICIAL_BODY], ids=["after-header", "in-body"])
@pytest.mark.parametrize("text", [
    "主旨：本案申請人陳大文，聯絡電話：(02)2345-6789，電子信箱：dawen.chen@gmail.com。",
    "主旨：本案資料如下。\n說明：一、王大文，聯絡電話：(02)2345-6789，電子信箱：dawen.chen@gmail.com。",
    "四、緊急聯絡人王大明，電話：(02)2345-6789。",
    "四、緊急聯絡人王大明，住址：臺北市中正區重慶南路1段122號。",
], ids=["applicant", "unnamed-role", "emergency-contact", "emergency-address"])
def test_a_private_persons_contact_in_an_ordinary_letter_still_counts(scanner: Scanner, letter: str,
                                                                      text: str) -> None:
    """Near the header's 承辦人 and 受文者, a labelled private contact must not pass as the office's."""
    result = scanner.scan_text(letter + text, action="share")
    added = [f for f in result.findings if f.category == "personal-data"
             and f.location.line > letter.count("\n")]
    assert added and all(at_least([f], "medium") for f in added)
    assert result.verdict == "warn"


WHISTLEBLOWER = ("檢舉人王小明（身分證字號A123456789，電話0912-345-678，住址：臺北市中正區重慶南路1段122號）"
                 "檢舉內容如附件，請依規定對檢舉人身分保密。")


def test_a_whistleblowers_identity_is_high_and_blocks_all_but_secret_handling(scanner: Scanner) -> None:
    """文書處理手冊 handles 檢舉案件 as 密件: the reporter's ID and contacts must not travel."""
    result = scanner.scan_text(WHISTLEBLOWER, action="all")
    found = {f.rule: f for f in result.findings}
    assert {"tw-national-id", "tw-mobile", "home-address"} <= set(found)
    assert all(found[r].severity == "high" for r in ("tw-national-id", "tw-mobile", "home-address"))
    verdicts = {d.action: d.verdict for d in result.decisions}
    assert verdicts == {"share": "block", "email": "block", "fax": "block", "upload": "block",
                        "meeting": "block", "print": "warn", "hand-carry": "warn", "dispose": "warn"}
    email = next(d for d in result.decisions if d.action == "email")
    assert "whistleblower-identity-secret" in [r.id for r in email.handling]


@pytest.mark.parametrize("text", [
    "政風室檢舉專線：(02)2345-6789",
    "歡迎民眾檢舉，檢舉信箱：report@mail.gov.tw",
    "申請人王小明，電話：(02)2345-6789",
    "為保護檢舉人，請洽政風室，電話：(02)2345-6789",
    "請依規定對檢舉人身分保密。如有疑義，請洽本府政風處，電話：(02)2720-8889",
])
def test_a_report_hotline_or_another_person_is_not_a_whistleblower(scanner: Scanner, text: str) -> None:
    assert not at_least(categories(scanner, text).get("personal-data", []), "high")


def test_business_id_is_not_personal_data_of_medium(scanner: Scanner) -> None:
    found = rules_found(scanner, "廠商統一編號：04595257")
    assert [f.severity for f in found["tw-business-id"]] == ["info"]
    assert not at_least([f for fs in found.values() for f in fs], "medium")


@pytest.mark.parametrize("text", ["4111 1111 1111 1112", "出生率統計", "護照申請須知", "登入帳號：12345678"])
def test_personal_data_negatives(scanner: Scanner, text: str) -> None:
    assert not at_least(categories(scanner, text).get("personal-data", []), "medium")


# --- sensitive personal data, trade secrets, credentials --------------------------------------

@pytest.mark.parametrize(("text", "severity"), [
    ("診斷：第二型糖尿病", "high"),
    ("病歷號碼：12345678", "high"),
    ("前科紀錄：竊盜", "high"),
    ("個案王先生曾因憂鬱症住院", "medium"),
    ("員工李小姐健康檢查結果：血壓偏高", "high"),
    ("當事人有犯罪前科", "medium"),
])
def test_sensitive_personal_data_about_a_person(scanner: Scanner, text: str, severity: str) -> None:
    found = categories(scanner, text)["sensitive-personal-data"]
    assert max(severity_rank(f.severity) for f in found) == severity_rank(severity)


def test_law_listing_special_categories_is_not_sensitive_data(scanner: Scanner) -> None:
    text = ("有關病歷、醫療、基因、性生活、健康檢查及犯罪前科之個人資料，不得蒐集、處理或利用。"
            "但當事人同意者不在此限。")
    assert "sensitive-personal-data" not in categories(scanner, text)


@pytest.mark.parametrize("text", ["本報告含營業秘密，請妥善保管", "廠商報價屬工商秘密", "商業機密"])
def test_trade_secret_markings_are_medium(scanner: Scanner, text: str) -> None:
    assert at_least(categories(scanner, text)["trade-secret"], "medium")


def test_trade_secret_in_a_law_citation_is_info(scanner: Scanner) -> None:
    found = categories(scanner, "洩漏工商秘密罪：無故洩漏因職務知悉他人之工商秘密者")["trade-secret"]
    assert found and not at_least(found, "low")


@pytest.mark.parametrize("text", [
    "密碼：Tpe@2026!x", "VPN 密碼 Hj7#k", "帳號admin 密碼：admin123", "PIN碼：1234",
    "password = Summer2026!", "-----BEGIN OPENSSH PRIVATE KEY-----",
])
def test_credentials_written_down_are_high(scanner: Scanner, text: str) -> None:
    [finding] = categories(scanner, text)["credential"]
    assert finding.severity == "high"
    assert finding.value and finding.value not in finding.masked


@pytest.mark.parametrize("text", [
    "密碼長度至少12碼", "密碼應包含大小寫英文字母、數字及特殊符號", "請定期變更密碼",
    "密碼：********", "個人電腦應設定密碼保護，並設置螢幕保護畫面，且定期變更密碼",
])
def test_password_policy_is_no_finding(scanner: Scanner, text: str) -> None:
    assert "credential" not in categories(scanner, text)


# --- engine mechanics -------------------------------------------------------------------------

def test_overlapping_findings_keep_the_stronger(scanner: Scanner) -> None:
    found = rules_found(scanner, "底價新臺幣1,234,000元")
    assert "bid-floor-price-amount" in found and "bid-floor-price-mention" not in found


def test_every_finding_explains_itself(scanner: Scanner) -> None:
    result = scanner.scan_text("身分證字號A123456789")
    [finding] = result.findings
    assert [r.code for r in finding.reasons] == ["checksum-ok"]
    assert "檢查碼正確" in result.to_dict()["findings"][0]["why"]
    assert "checksum valid" in result.to_dict(lang="en")["findings"][0]["why"]


def test_fast_finding_construction_equals_the_dataclass_constructor() -> None:
    args = ("tw-national-id", "personal-data", "medium", None, Location("body", line=2, column=3),
            "A1******89", (Reason("checksum-ok", "tw-national-id"),), "A123456789")
    fast, slow = new_finding(*args), Finding(*args)
    assert fast == slow and fast.value == slow.value == "A123456789"
    assert repr(fast) == repr(slow) and "A123456789" not in repr(fast)


# Pieces around which the shared contexts (whistleblower, private contact, a letter's header and
# its official) decide a finding's severity.
CONTEXT_PIECES = ("檢舉人", "保護檢舉人", "檢舉人身分", "申請人", "緊急聯絡人", "承辦人：王小明", "受文者：",
                  "發文日期：", "速別：", "電話：", "聯絡電話：", "地址：", "電子信箱：", "0912345678",
                  "(02)2345-6789", "A123456789", "wdm@gmail.com", "xm@mail.gov.tw",
                  "臺北市中正區重慶南路1段122號", "民國70年1月1日", "出生", "，", "\n", "一般公文說明")


@pytest.fixture(scope="module")
def unscreened() -> Scanner:
    import leakscan.detect

    saved = leakscan.detect._SCREEN_SHARED_BY
    leakscan.detect._SCREEN_SHARED_BY = 10**9  # no context's words are looked for in advance
    try:
        built = Scanner()
    finally:
        leakscan.detect._SCREEN_SHARED_BY = saved
    assert not built._detector._screened
    return built


def test_shared_context_words_are_screened(scanner: Scanner) -> None:
    assert {"檢舉人", "申請人", "受文者", "承辦人"} <= scanner._detector._screened


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(CONTEXT_PIECES), min_size=1, max_size=14))
def test_screening_context_words_never_changes_a_finding(scanner: Scanner, unscreened: Scanner,
                                                         pieces: list[str]) -> None:
    """Skipping the contexts whose words a segment lacks is only a shortcut: the findings, with
    their severities and reasons, are those of checking every context for every candidate."""
    text = "".join(pieces)
    assert scanner.scan_text(text).to_dict() == unscreened.scan_text(text).to_dict()


def test_a_before_context_looks_back_a_bounded_distance(scanner: Scanner) -> None:
    """A context's ``before`` regex sees at most 256 characters of its line: a label that far
    away does not count, and a one-line export with thousands of candidates stays linear."""
    near = "承辦人：王小明 電話：0912-345-678"
    assert [f.severity for f in scanner.scan_text(near, name="x.txt").findings] == ["info"]
    # the whistleblower's word 300 characters back on the same line: outside the words' window
    # and outside the regex's reach alike
    far = "檢舉人：" + "說明" * 150 + "手機0912345678"
    assert [f.severity for f in scanner.scan_text(far, name="x.txt").findings] == ["medium"]
    from leakscan import detect

    assert detect._BEFORE_REACH == 256
    seen: list[tuple[int, int]] = []
    rule = scanner.rule("tw-mobile")
    context = next(c for c in rule.exclude if c.before is not None)

    class Spy:
        def __init__(self, pattern):
            self.pattern = pattern

        def search(self, text, pos, endpos):
            seen.append((pos, endpos))
            return self.pattern.search(text, pos, endpos)

    holds = detect._context_test(replace(context, before=Spy(context.before)))
    line = "王小明0912345678," * 2000
    for start in range(3, len(line), 17):
        holds(line, start, start + 10, "body")
    assert seen and all(endpos - pos <= 256 for pos, endpos in seen)


def test_keyword_shadows_are_those_of_the_pairwise_definition(scanner: Scanner) -> None:
    """A keyword hides another when it contains it or ends with the other's start (機密 / 密等)."""
    from leakscan.detect import _KeywordIndex

    words = sorted({k for r in scanner.rules for k in r.keywords} | {"機密", "密等", "等級", "機密等級"},
                   key=lambda w: (-len(w), w))

    def shadows(other: str, word: str) -> bool:
        return word != other and (word in other or any(other.endswith(word[:k]) for k in range(1, len(word))))

    expected = {other: tuple(w for w in words if shadows(other, w)) for other in words}
    index = _KeywordIndex(words)
    assert index._shadowed == {other: hidden for other, hidden in expected.items() if hidden}
    assert "密等" in index._shadowed["機密"] and index.present("機密等級") >= {"機密", "密等", "等級"}
