"""Deterministic, realistic corpus of Traditional-Chinese (Taiwan) office documents.

The benchmark needs text that looks like what leakscan actually scans, because the engine's speed
depends on the text: a prefilter that skips clean text is fast on ordinary prose and slow on text
full of candidates. A corpus of one repeated sentence, or of pure secrets, would measure the wrong
thing. The mix, counted in characters, is therefore:

* about 75 % ordinary administrative prose with no secrets: 函 letters with a full 公文 header
  block (地址, 承辦人, 電話, 傳真, 電子信箱, 發文日期, 發文字號, 速別, an unclassified
  密等及解密條件或保密期限 field left blank or 普通, 主旨/說明/辦法), 公告, 會議紀錄 and 工作報告.
  Sentences are composed from templates and vocabularies so the text is varied; it has dates,
  amounts, percentages, full-width digits and punctuation, ASCII words, URLs, e-mail addresses,
  line breaks and ordinary words that contain 密 (密切, 綿密). This is the bulk of a mail
  gateway's or file share's traffic, and where a scanner must be fast and silent;
* about 10 % dense documents: the two guidance texts in ``/work/shared/guidance`` (read from disk,
  each document one text repeated). They talk *about* 機密, 洩密 and 底價 on every line, so they
  stress the candidate stage, and must produce no classification findings;
* about 10 % rosters (名冊): 20-60 rows of 編號 姓名 身分證字號 出生年月日 手機 地址 with valid
  身分證字號 (checksum of DOMAIN.md section 5), some in full-width characters, some glued to the
  preceding Chinese text, some as ``key：value`` lines. Every identifier is a candidate that must
  be validated, and every roster must yield findings;
* about 5 % documents with real secrets: classified 公文 headers (機密（本件至115年12月31日解密）),
  底價 amounts, 評選委員名單, passwords, 限閱 markers, 病歷 and 檢舉 details, embedded in otherwise
  ordinary letters and minutes.

All randomness comes from one ``random.Random(seed)``: the same seed and size always give the same
documents, names and order. Names are ``<kind>-<NNNN>.txt`` with kind in prose, guidance, roster
and secret; the list is shuffled so the kinds are interleaved, as in a real mail stream.

Run ``python benchmarks/corpus.py OUTDIR [--seed S] [--chars N]`` to write the corpus as UTF-8
files for inspection or for other tools.
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

__all__ = ["GUIDANCE_DIR", "MIX", "generate", "kind_of", "tw_national_id", "write"]

GUIDANCE_DIR = Path("/work/shared/guidance")

# Share of the corpus, by characters, of each kind of document.
MIX: dict[str, float] = {"prose": 0.75, "guidance": 0.10, "roster": 0.10, "secret": 0.05}

# ---------------------------------------------------------------------------------------------
# Identifiers
# ---------------------------------------------------------------------------------------------

# Area letter code = 10 + index in this string (I, O, W, Z were added last), DOMAIN.md section 5.
_AREA_LETTERS = "ABCDEFGHJKLMNPQRSTUVXYWZIO"
_ID_WEIGHTS = (1, 9, 8, 7, 6, 5, 4, 3, 2, 1, 1)
_FULL_WIDTH = {code: code + 0xFEE0 for code in range(0x21, 0x7F)}


def _tw_id_check_digit(letter: str, digits8: str) -> str:
    code = 10 + _AREA_LETTERS.index(letter)
    values = (code // 10, code % 10, *(int(d) for d in digits8))
    total = sum(w * v for w, v in zip(_ID_WEIGHTS[:10], values, strict=True))
    return str((10 - total % 10) % 10)


def tw_national_id(rng: random.Random) -> str:
    """Return a random 國民身分證統一編號 with a valid check digit.

    >>> _tw_id_check_digit("A", "12345678")
    '9'
    >>> _tw_id_check_digit("Z", "12345678")
    '0'
    """
    letter = rng.choice(_AREA_LETTERS)
    digits8 = rng.choice("12") + "".join(rng.choice("0123456789") for _ in range(7))
    return letter + digits8 + _tw_id_check_digit(letter, digits8)


def _full_width(text: str) -> str:
    """Fold printable ASCII to its full-width forms (U+FF01-U+FF5E), which NFKC folds back."""
    return text.translate(_FULL_WIDTH)


def kind_of(name: str) -> str:
    """Return the kind (prose, guidance, roster, secret) of a generated document's name."""
    return name.split("-", 1)[0]


# ---------------------------------------------------------------------------------------------
# Vocabularies
# ---------------------------------------------------------------------------------------------

AGENCIES = (
    ("臺北市政府教育局", "北市教", "doe.gov.taipei"),
    ("新北市政府工務局", "新北工", "pwb.ntpc.gov.tw"),
    ("桃園市政府衛生局", "桃衛", "dph.tycg.gov.tw"),
    ("臺中市政府社會局", "中市社", "society.taichung.gov.tw"),
    ("臺南市政府文化局", "南市文", "culture.tainan.gov.tw"),
    ("高雄市政府環境保護局", "高市環", "ksepb.kcg.gov.tw"),
    ("內政部戶政司", "台內戶", "ris.gov.tw"),
    ("交通部公路局", "路養", "thb.gov.tw"),
    ("衛生福利部社會及家庭署", "社家", "sfaa.gov.tw"),
    ("教育部國民及學前教育署", "臺教國署", "k12ea.gov.tw"),
    ("經濟部水利署", "經水", "wra.gov.tw"),
    ("勞動部勞動力發展署", "勞動發", "wda.gov.tw"),
    ("國家發展委員會", "發", "ndc.gov.tw"),
    ("財政部賦稅署", "台財稅", "dot.gov.tw"),
    ("農業部林業及自然保育署", "林", "forest.gov.tw"),
    ("新竹縣政府民政處", "府民", "hsinchu.gov.tw"),
    ("宜蘭縣政府農業處", "府農", "e-land.gov.tw"),
    ("花蓮縣政府觀光處", "府觀", "hl.gov.tw"),
    ("嘉義市政府建設處", "府建", "chiayi.gov.tw"),
    ("基隆市政府產業發展處", "基府產", "klcg.gov.tw"),
    ("屏東縣政府社會處", "屏府社", "pthg.gov.tw"),
    ("彰化縣和美鎮公所", "和鎮", "hemei.gov.tw"),
    ("臺北市中正區戶政事務所", "北市正戶", "czhr.gov.taipei"),
    ("國立臺灣圖書館", "臺圖", "ntl.edu.tw"),
)

UNITS = (
    "秘書室", "人事室", "會計室", "政風室", "資訊室", "綜合規劃科", "工程管理科", "社會救助科",
    "總務科", "研考科", "法制科", "公共關係科", "企劃科", "管考科", "文書科", "業務一科",
    "業務二科", "採購科", "檔案管理科", "為民服務中心",
)

TOPICS = (
    "年度施政計畫", "道路養護工程", "校園安全維護", "長期照顧服務", "防災演練", "社區營造計畫",
    "節能減碳措施", "公共自行車系統", "資訊系統更新", "員工教育訓練", "為民服務品質",
    "河川整治工程", "觀光活動行銷", "兒童課後照顧", "食品安全稽查", "空氣品質監測", "登革熱防治",
    "低收入戶生活扶助",
    "文化資產保存", "數位轉型", "公有建築耐震補強", "垃圾清運路線調整", "停車場委外經營",
    "志工招募培訓", "國際交流活動", "高齡友善環境", "公文線上簽核", "檔案數位化", "人行道改善",
    "綠美化工程", "智慧路燈建置", "幼兒園招生", "青年就業輔導", "農產品行銷", "水資源回收",
    "消防安全檢查", "圖書館閱讀推廣", "性別平等宣導", "無障礙設施改善", "廉政倫理宣導",
)

ACTIONS = (
    "辦理", "推動", "檢討", "協調", "彙整", "研議", "規劃", "執行", "督導", "追蹤", "評估", "落實",
    "配合辦理", "積極推動", "審慎評估", "持續追蹤",
)

PURPOSES = (
    "提升行政效率", "落實便民服務", "強化橫向聯繫", "確保施工品質", "維護公共安全",
    "保障民眾權益", "撙節公帑", "精進業務流程", "提高計畫執行率", "加強跨機關合作",
    "回應議會質詢", "因應法規修正", "減少民眾往返奔波", "營造友善環境",
)

PARTNERS = (
    "各區公所", "轄內各級學校", "里辦公處", "中央主管機關", "地方民意代表", "相關公會",
    "在地社區發展協會", "警察分局", "消防局", "衛生所", "委外廠商", "專家學者",
)

LAWS = (
    "行政程序法第{n}條", "地方制度法第{n}條", "文書處理手冊", "公務人員請假規則第{n}條",
    "政府資訊公開法第{n}條", "災害防救法第{n}條", "建築法第{n}條", "社會救助法第{n}條",
    "道路交通管理處罰條例第{n}條", "檔案法第{n}條", "環境教育法第{n}條", "長期照顧服務法第{n}條",
    "本府{year}年{m}月{d}日府授人字第{docno}號函",
)

DOCS = (
    "執行成果表", "經費核銷資料", "年度工作計畫", "意見調查表", "成果報告書", "出席人員名單",
    "修正對照表", "期中報告", "檢核表", "簽到表影本", "活動照片", "需求調查表",
)

PLACES = (
    "本局第一會議室", "本府1樓中庭", "市政大樓北區3樓會議室", "本所禮堂", "區民活動中心",
    "視訊會議（Microsoft Teams）", "本署7樓簡報室", "綜合大樓B1多功能教室",
    "線上會議（Google Meet）",
)

TITLES = ("科長", "專員", "技正", "股長", "科員", "主任", "組長", "課長", "技士", "視察", "秘書")

SURNAMES = (
    "陳林黃張李王吳劉蔡楊許鄭謝洪郭邱曾廖賴徐周葉蘇莊呂江何蕭羅高潘簡朱鍾彭游詹胡施沈余盧梁趙顏"
    "柯翁魏孫戴范方宋鄧杜傅侯曹薛丁卓阮馬董温唐藍石蔣古紀姚連馮歐程湯田康姜白汪鄒尤巫鐘黎涂龔嚴"
)
GIVEN = (
    "志明春嬌家豪怡君淑芬俊傑雅婷建宏美玲宗翰欣怡承恩佳穎冠宇詩涵柏翰思妤宥廷品妍子軒雨彤"
    "文雄秀英國華麗華正雄玉梅明德素貞世傑惠如信宏靜宜哲瑋心怡耀文淑惠振宇慧玲嘉文育誠"
)

CITIES = (
    ("臺北市", ("中正區", "大安區", "信義區", "萬華區", "士林區", "內湖區", "文山區")),
    ("新北市", ("板橋區", "三重區", "中和區", "新莊區", "新店區", "淡水區", "汐止區")),
    ("桃園市", ("桃園區", "中壢區", "平鎮區", "八德區", "龜山區")),
    ("臺中市", ("西屯區", "北屯區", "南屯區", "豐原區", "大里區")),
    ("臺南市", ("東區", "安平區", "永康區", "新營區")),
    ("高雄市", ("苓雅區", "三民區", "鳳山區", "左營區", "前鎮區")),
    ("花蓮縣", ("花蓮市", "吉安鄉", "壽豐鄉")),
    ("宜蘭縣", ("宜蘭市", "羅東鎮", "礁溪鄉")),
)
ROADS = (
    "重慶南路一段", "中山北路二段", "忠孝東路四段", "民生路", "中正路", "復興路", "成功路",
    "中華路一段", "自由路", "文化路", "建國北路", "博愛路", "和平東路三段", "光復路",
)

FUNDS = ("公務預算", "業務費", "中央補助款", "設備及投資", "第二預備金", "特別預算", "基金")

DECISIONS = (
    "照案通過", "修正後通過", "請業務單位再行研議後提下次會議討論", "准予備查",
    "請各單位依限辦理並於下次會議報告執行情形", "原則同意，細節授權業務單位處理",
    "請{unit}會同{unit2}研提具體方案", "列入追蹤事項",
)

SUGGESTIONS = (
    "增加宣導場次", "簡化申請流程", "建立線上預約系統", "加強與{partner}之溝通",
    "提前於{month}月完成招標作業", "調整經費分配比例", "增列夜間服務時段",
    "製作雙語版本說明資料", "委託專業團隊進行評估", "擴大辦理範圍至{partner}",
)

SITUATIONS = (
    "颱風季節來臨", "連續假期人潮", "氣候變遷", "少子化趨勢", "高齡化社會", "物價上漲",
    "數位政府政策", "疫情趨緩", "民眾陳情案件增加", "中央法規修正",
)

ASCII_TERMS = (
    "PDF", "ODF", "Email", "QR Code", "App", "ISO 27001", "Wi-Fi", "e化", "KPI", "USB",
    "API", "GIS", "LINE官方帳號", "Open Data", "SOP", "Google表單", "eTraining",
)

SPEED = ("普通件", "普通件", "普通件", "速件", "最速件")

# ---------------------------------------------------------------------------------------------
# Small generators
# ---------------------------------------------------------------------------------------------

_CN_NUMS = "一二三四五六七八九十"
_CN_ITEM = ("一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二")


def _num(rng: random.Random, value: int | str) -> str:
    """Write a number in ASCII digits, now and then in full-width digits as many documents do."""
    text = str(value)
    return _full_width(text) if rng.random() < 0.12 else text


def _date(rng: random.Random, year: int | None = None) -> str:
    year = year or rng.randint(110, 115)
    month, day = rng.randint(1, 12), rng.randint(1, 28)
    style = rng.random()
    if style < 0.6:
        return f"{_num(rng, year)}年{_num(rng, month)}月{_num(rng, day)}日"
    if style < 0.8:
        return f"中華民國{year}年{month}月{day}日"
    if style < 0.9:
        return f"{year + 1911}/{month:02d}/{day:02d}"
    return f"{year + 1911}-{month:02d}-{day:02d}"


def _time(rng: random.Random) -> str:
    half = rng.choice(("上午", "下午"))
    hour = rng.randint(9, 11) if half == "上午" else rng.randint(1, 5)
    minute = rng.choice(("", "30分", "整"))
    return f"{half}{hour}時{minute}"


def _money(rng: random.Random) -> str:
    value = rng.randint(5, 9000) * 1000
    return f"{value:,}" if rng.random() < 0.7 else str(value)


def _person(rng: random.Random) -> str:
    name = rng.choice(SURNAMES)
    for _ in range(rng.choice((1, 2, 2, 2))):
        name += rng.choice(GIVEN)
    return name


def _address(rng: random.Random) -> str:
    city, districts = rng.choice(CITIES)
    number = _num(rng, rng.randint(1, 400))
    floor = f"{rng.randint(2, 15)}樓" if rng.random() < 0.4 else ""
    lane = f"{rng.randint(1, 300)}巷" if rng.random() < 0.3 else ""
    return f"{city}{rng.choice(districts)}{rng.choice(ROADS)}{lane}{number}號{floor}"


def _landline(rng: random.Random) -> str:
    area, digits = rng.choice((("02", 8), ("03", 7), ("04", 8), ("06", 7), ("07", 7)))
    local = rng.choice("23456789") + "".join(rng.choice("0123456789") for _ in range(digits - 1))
    split = digits - 4
    return f"({area}){local[:split]}-{local[split:]}"


def _mobile(rng: random.Random) -> str:
    digits = "09" + rng.choice("012345678") + "".join(rng.choice("0123456789") for _ in range(7))
    style = rng.random()
    if style < 0.5:
        return digits
    if style < 0.8:
        return f"{digits[:4]}-{digits[4:7]}-{digits[7:]}"
    if style < 0.9:
        return f"{digits[:4]} {digits[4:7]} {digits[7:]}"
    return f"+886 {digits[1:4]} {digits[4:7]} {digits[7:]}"


def _email(rng: random.Random, domain: str) -> str:
    user = rng.choice(("chen", "lin", "wang", "huang", "chang", "lee", "wu", "tsai", "yang", "hsu"))
    return f"{user}{rng.randint(1, 9999):04d}@mail.{domain}" if rng.random() < 0.5 else (
        f"{user}{rng.randint(10, 99)}@{domain}"
    )


def _docno(rng: random.Random, prefix: str, year: int) -> str:
    return f"{prefix}字第{year}{rng.randint(0, 9999999):07d}號"


def _birth(rng: random.Random) -> str:
    year, month, day = rng.randint(40, 95), rng.randint(1, 12), rng.randint(1, 28)
    style = rng.random()
    if style < 0.4:
        return f"{year:03d}/{month:02d}/{day:02d}"
    if style < 0.7:
        return f"{year}.{month:02d}.{day:02d}"
    if style < 0.9:
        return f"民國{year}年{month}月{day}日"
    return f"{year + 1911}-{month:02d}-{day:02d}"


# ---------------------------------------------------------------------------------------------
# Sentences
# ---------------------------------------------------------------------------------------------


def _fill(rng: random.Random, template: str, org: str, domain: str) -> str:
    year = rng.randint(111, 115)
    slots = {
        "unit": rng.choice(UNITS),
        "unit2": rng.choice(UNITS),
        "topic": rng.choice(TOPICS),
        "topic2": rng.choice(TOPICS),
        "action": rng.choice(ACTIONS),
        "purpose": rng.choice(PURPOSES),
        "partner": rng.choice(PARTNERS),
        "doc": rng.choice(DOCS),
        "place": rng.choice(PLACES),
        "date": _date(rng),
        "time": _time(rng),
        "money": _money(rng),
        "fund": rng.choice(FUNDS),
        "pct": f"{rng.randint(40, 99)}.{rng.randint(0, 9)}",
        "pct2": _num(rng, rng.randint(1, 15)),
        "n": _num(rng, rng.randint(12, 4800)),
        "m": _num(rng, rng.randint(3, 900)),
        "k": rng.choice(_CN_NUMS),
        "org": org,
        "person": _person(rng) + rng.choice(TITLES),
        "situation": rng.choice(SITUATIONS),
        "ascii": rng.choice(ASCII_TERMS),
        "form": rng.choice(("Google表單", "App", "QR Code", "e-Form", "LINE官方帳號")),
        "email": _email(rng, domain),
        "url": f"https://www.{domain}/",
        "phone": _landline(rng),
        "ext": _num(rng, rng.randint(100, 8999)),
        "year": _num(rng, year),
        "month": rng.randint(1, 12),
        "docno": f"{year}{rng.randint(0, 9999999):07d}",
        "law": rng.choice(LAWS),
        "decision": rng.choice(DECISIONS),
        "suggestion": rng.choice(SUGGESTIONS),
    }
    # Two passes: law, decision and suggestion templates themselves contain slots.
    text = template.format(**slots)
    if "{" in text:
        slots["n"] = str(rng.randint(1, 120))
        slots["m"] = str(rng.randint(1, 12))
        slots["d"] = str(rng.randint(1, 28))
        text = text.format(**slots)
    return text


SENTENCES = (
    "{unit}為{purpose}，{action}{topic}相關事宜。",
    "有關{topic}一案，請於{date}前{action}，逾期不予受理。",
    "本案所需經費計新臺幣{money}元，由{year}年度{fund}項下支應。",
    "依據{law}規定辦理。",
    "{topic}執行率達{pct}%，較去年同期增加{pct2}個百分點。",
    "本{org}將持續與{partner}密切聯繫，以{purpose}。",
    "相關資料已公布於本{org}網站（{url}），歡迎民眾上網查詢下載。",
    "截至{date}止，共計受理申請案件{n}件，核准{m}件，其餘案件刻正審查中。",
    "請於{date}以前將{doc}以電子郵件方式寄送至{email}，俾利彙整。",
    "如有疑義，請洽{unit}{person}，電話：{phone}分機{ext}。",
    "{topic}說明會訂於{date}{time}假{place}舉行，敬請準時出席。",
    "因應{situation}，本{org}已{action}{topic}，並滾動檢討辦理方式。",
    "為{purpose}，建議{partner}共同{action}{topic2}。",
    "本年度{topic}共辦理{k}場次，參與人數計{n}人次，滿意度達{pct}%。",
    "{partner}反映{topic}執行上之困難，業經本{org}邀集{unit}研商解決方案。",
    "惠請轉知所屬踴躍參加，並於{doc}中詳實填寫。",
    "本案業以{form}方式辦理線上報名，報名網址：{url}。",
    "另{topic2}部分，已請{unit2}就{doc}提供書面意見。",
    "前揭事項如有未盡事宜，得另行補充說明。",
    "檢送{doc}1份，請查照。",
    "考量{situation}，{topic}之期程調整至{year}年{month}月辦理。",
    "經查{topic}原訂期程為{year}年{month}月完成，目前進度超前{pct2}%。",
    "各單位應指派專人負責{topic}，並建立綿密之聯繫窗口。",
    "{person}說明：{topic}已完成第{k}階段作業，下階段將{action}{topic2}。",
    "請{unit}依{law}規定，儘速{action}。",
    "本{org}{year}年度預算編列{money}元，實際支用{pct}%。",
    "會後請{unit}將{doc}上傳至共用資料夾，以利各單位參閱。",
    "有關{ascii}系統操作問題，請逕洽資訊室客服專線{phone}。",
    "為鼓勵同仁參與{topic}，完成研習者核給{pct2}小時學習時數。",
    "本案經簽奉核可，依程序{action}。",
)


def _paragraph(rng: random.Random, org: str, domain: str, sentences: int) -> str:
    return "".join(
        _fill(rng, rng.choice(SENTENCES), org, domain) for _ in range(sentences)
    )


def _numbered(
    rng: random.Random, org: str, domain: str, items: int, sentences: tuple[int, int]
) -> str:
    """``items`` paragraphs numbered 一、二、…, each of a random number of sentences."""
    lines = []
    for index in range(items):
        body = _paragraph(rng, org, domain, rng.randint(*sentences))
        lines.append(f"{_CN_ITEM[index % len(_CN_ITEM)]}、{body}")
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------
# Documents
# ---------------------------------------------------------------------------------------------


def _header(rng: random.Random, kind: str, level: str | None = None) -> tuple[str, str, str]:
    """Return (header block, agency short name, domain) of a 函 or 公告."""
    agency, prefix, domain = rng.choice(AGENCIES)
    year = rng.randint(111, 115)
    if level is None:
        level = rng.choice(("", "", "普通"))
    label = rng.choice(("密等及解密條件或保密期限", "密等及解密條件或保密期限", "密等"))
    lines = [
        f"{agency}　{kind}",
        f"地址：{_address(rng)}",
        f"承辦人：{_person(rng)}",
        f"電話：{_landline(rng)}分機{rng.randint(100, 8999)}",
        f"傳真：{_landline(rng)}",
        f"電子信箱：{_email(rng, domain)}",
        "",
        f"受文者：{rng.choice(PARTNERS)}",
        f"發文日期：中華民國{year}年{rng.randint(1, 12)}月{rng.randint(1, 28)}日",
        f"發文字號：{_docno(rng, prefix, year)}",
        f"速別：{rng.choice(SPEED)}",
        f"{label}：{level}",
        f"附件：{rng.choice(DOCS)}{rng.choice(('', '1份', '（請至附件下載區下載）'))}",
        "",
    ]
    short = "局" if agency.endswith("局") else rng.choice(("府", "署", "所", "處", "館"))
    return "\n".join(lines), short, domain


def _footer(rng: random.Random) -> str:
    return "\n".join((
        "",
        f"正本：{rng.choice(PARTNERS)}、{rng.choice(PARTNERS)}",
        f"副本：本{rng.choice(('局', '府', '署'))}{rng.choice(UNITS)}、{rng.choice(UNITS)}",
        f"{rng.choice(('局長', '處長', '署長', '區長', '館長'))}　{_person(rng)}",
    ))


def _letter(rng: random.Random, level: str | None = None, extra: Sequence[str] = ()) -> str:
    header, org, domain = _header(rng, rng.choice(("函", "函", "書函")), level)
    parts = [
        header,
        (
            f"主旨：{_fill(rng, '有關{topic}一案，', org, domain)}"
            f"{_paragraph(rng, org, domain, rng.randint(1, 2))}請查照。"
        ),
        "說明：",
        _numbered(rng, org, domain, rng.randint(2, 5), (1, 4)),
    ]
    if rng.random() < 0.5:
        parts += ["辦法：", _numbered(rng, org, domain, rng.randint(1, 3), (1, 3))]
    parts.extend(extra)
    parts.append(_footer(rng))
    return "\n".join(parts) + "\n"


def _announcement(rng: random.Random) -> str:
    header, org, domain = _header(rng, "公告")
    parts = [
        header,
        f"主旨：公告{rng.choice(TOPICS)}{rng.choice(('實施計畫', '受理申請', '期程'))}。",
        f"依據：{_fill(rng, '{law}', org, domain)}。",
        "公告事項：",
        _numbered(rng, org, domain, rng.randint(2, 6), (1, 3)),
        _footer(rng),
    ]
    return "\n".join(parts) + "\n"


def _minutes(rng: random.Random, extra: Sequence[str] = ()) -> str:
    agency, _, domain = rng.choice(AGENCIES)
    org = "局" if agency.endswith("局") else "府"
    year = rng.randint(111, 115)
    chair = _person(rng)
    attendees = "、".join(
        f"{rng.choice(UNITS)}{_person(rng)}{rng.choice(TITLES)}" for _ in range(rng.randint(4, 10))
    )
    parts = [
        (
            f"{agency}{_num(rng, year)}年度第{_num(rng, rng.randint(1, 12))}次"
            f"{rng.choice(('業務會報', '工作會議', '專案會議', '主管會報'))}會議紀錄"
        ),
        "",
        f"時間：{_date(rng, year)}（星期{rng.choice('一二三四五')}）{_time(rng)}",
        f"地點：{rng.choice(PLACES)}",
        (
            f"主席：{chair}{rng.choice(('局長', '副局長', '主任秘書', '處長'))}"
            f"　　　　紀錄：{_person(rng)}"
        ),
        f"出（列）席人員：{attendees}",
        "",
        "壹、主席致詞：（略）",
        "貳、上次會議決議事項執行情形：",
        _numbered(rng, org, domain, rng.randint(1, 3), (1, 2)),
        "參、業務報告：",
        _numbered(rng, org, domain, rng.randint(2, 6), (2, 5)),
        "肆、討論事項：",
    ]
    for index in range(rng.randint(1, 3)):
        parts += [
            f"案由{_CN_ITEM[index]}：{_fill(rng, '有關{topic}案，提請討論。', org, domain)}",
            f"說明：{_paragraph(rng, org, domain, rng.randint(2, 4))}",
            f"決議：{_fill(rng, '{decision}。', org, domain)}",
        ]
    parts.extend(extra)
    parts += [
        "伍、臨時動議：" + rng.choice(("無。", _paragraph(rng, org, domain, 2))),
        f"陸、散會：{_time(rng)}",
    ]
    return "\n".join(parts) + "\n"


def _report(rng: random.Random) -> str:
    agency, _, domain = rng.choice(AGENCIES)
    org = "局" if agency.endswith("局") else "府"
    year = rng.randint(111, 115)
    parts = [
        f"{agency}{year}年度{rng.choice(('上半年', '下半年', '第一季', '第三季', ''))}工作報告",
        "",
        "一、前言",
        _paragraph(rng, org, domain, rng.randint(3, 6)),
        "",
        "二、重要工作成果",
    ]
    for index in range(rng.randint(3, 8)):
        topic = rng.choice(TOPICS)
        parts.append(f"（{_CN_ITEM[index]}）{topic}")
        for sub in range(rng.randint(1, 4)):
            parts.append(f"{sub + 1}. {_paragraph(rng, org, domain, rng.randint(2, 5))}")
        if rng.random() < 0.4:
            parts.append(
                f"表{index + 1}　{topic}辦理情形（單位：件）\n"
                + "\n".join(
                    f"{month}月\t{rng.randint(10, 500)}\t{rng.randint(5, 400)}\t"
                    f"{rng.randint(50, 100)}%"
                    for month in range(1, rng.randint(4, 13))
                )
            )
    parts += [
        "",
        "三、檢討與策進",
        _numbered(rng, org, domain, rng.randint(2, 4), (2, 4)),
        "",
        "四、結語",
        _paragraph(rng, org, domain, rng.randint(2, 4)),
    ]
    return "\n".join(parts) + "\n"


def _prose(rng: random.Random) -> str:
    return rng.choice((_letter, _letter, _announcement, _minutes, _minutes, _report))(rng)


ROSTER_KINDS = (
    "志工", "參訓人員", "獎助學金申請人", "低收入戶訪視對象", "臨時人員", "防疫志工", "研習學員",
    "社區關懷據點服務對象", "里長及里幹事", "公費流感疫苗接種",
)


def _roster(rng: random.Random) -> str:
    agency, _, _ = rng.choice(AGENCIES)
    year = rng.randint(111, 115)
    style = rng.random()
    sep = rng.choice((" ", "\t", "　", "，", ","))
    lines = [f"{agency}{year}年度{rng.choice(ROSTER_KINDS)}名冊", ""]
    if style < 0.8:
        lines.append(sep.join(("編號", "姓名", "身分證字號", "出生年月日", "手機", "地址")))
    full_width_rows = rng.random() < 0.3
    rows = rng.randint(20, 60)
    for row in range(1, rows + 1):
        name, nid = _person(rng), tw_national_id(rng)
        birth, phone, address = _birth(rng), _mobile(rng), _address(rng)
        if full_width_rows and rng.random() < 0.6:
            nid = _full_width(nid)
        if style < 0.8:
            if rng.random() < 0.15:  # glued to the name, as text extracted from a table often is
                lines.append(f"{row}{sep}{name}{nid}{sep}{birth}{sep}{phone}{sep}{address}")
            else:
                lines.append(sep.join((str(row), name, nid, birth, phone, address)))
        else:
            lines.append(
                f"{row}. 姓名：{name}，身分證字號{nid}，出生：{birth}，"
                f"手機：{phone}，住址：{address}"
            )
    lines += [
        "",
        f"製表人：{_person(rng)}　　製表日期：{_date(rng, year)}",
        f"共計{rows}人",
    ]
    return "\n".join(lines) + "\n"


_LEVELS = (
    "機密（本件至{year}年12月31日解密）",
    "密（本件於公布時解密）",
    "密（附件抽存後解密）",
    "極機密（本件至{year}年6月30日解密）",
    "機密（保存年限屆滿後解密）",
)


def _secret_parts(rng: random.Random) -> list[str]:
    """Return a few secret-bearing passages, each one a leak on its own."""
    amount = f"{rng.randint(100, 99999) * 1000:,}"
    pool: list[Callable[[], str]] = [
        lambda: f"本案核定底價新臺幣{amount}元整，請於開標前妥為保管。",
        lambda: f"底價表：工程名稱{rng.choice(TOPICS)}，建議底價新臺幣{amount}元。",
        lambda: (
            "評選委員名單：" + "、".join(_person(rng) + "委員" for _ in range(rng.randint(5, 9)))
        ),
        lambda: (
            f"領標廠商名單：{rng.choice(('大成', '永豐', '台安', '建興'))}營造股份有限公司等"
            f"{rng.randint(2, 8)}家"
        ),
        lambda: (
            f"系統管理帳號：admin{rng.randint(1, 99):02d}　"
            f"密碼：Tpe@{2020 + rng.randint(0, 9)}!x"
        ),
        lambda: f"VPN帳號 user{rng.randint(100, 999)}，密碼：{rng.choice(('Aa', 'Kh', 'Ty'))}#"
        f"{rng.randint(10000, 99999)}",
        lambda: rng.choice(("限閱", "內部限閱", "請勿外流", "僅供內部參考", "機敏資料")),
        lambda: (
            f"檢舉人{_person(rng)}（身分證字號{tw_national_id(rng)}，電話{_mobile(rng)}）"
            "檢舉內容如附件，請依規定對檢舉人身分保密。"
        ),
        lambda: (
            f"病歷摘要：{_person(rng)}，身分證字號{tw_national_id(rng)}，出生{_birth(rng)}，"
            f"診斷為{rng.choice(('第二型糖尿病', '憂鬱症', '高血壓', '慢性腎臟病'))}，"
            "請依個人資料保護法妥善保管。"
        ),
        lambda: (
            f"本次人事異動名單尚未核定，{_person(rng)}{rng.choice(TITLES)}擬調升主任，"
            "暫勿對外公開。"
        ),
    ]
    return [rng.choice(pool)() for _ in range(rng.randint(1, 3))]


def _secret(rng: random.Random) -> str:
    extra = _secret_parts(rng)
    if rng.random() < 0.5:
        level = rng.choice(_LEVELS).format(year=rng.randint(115, 125))
        text = _letter(rng, level=level, extra=extra)
        if rng.random() < 0.4:
            text = rng.choice(("機密\n", "（密）\n")) + text
        return text
    return _minutes(rng, extra=["柒、密件事項：", *extra] if rng.random() < 0.5 else extra)


def _guidance_texts() -> list[str]:
    paths = sorted(GUIDANCE_DIR.glob("*.txt"))
    if not paths:
        raise FileNotFoundError(f"no guidance texts (*.txt) in {GUIDANCE_DIR}")
    return [path.read_text(encoding="utf-8") for path in paths]


def generate(seed: int = 0, total_chars: int = 2_000_000) -> list[tuple[str, str]]:
    """Return ``(name, text)`` documents totalling about ``total_chars`` characters.

    The same ``seed`` and ``total_chars`` always give the same list. Each kind is generated until
    it reaches its share of :data:`MIX`, so the totals overshoot by at most one document per kind.
    """
    rng = random.Random(seed)
    guidance = _guidance_texts()
    makers: dict[str, Callable[[], str]] = {
        "prose": lambda: _prose(rng),
        "guidance": lambda: "\n".join([rng.choice(guidance)] * rng.randint(1, 3)),
        "roster": lambda: _roster(rng),
        "secret": lambda: _secret(rng),
    }
    documents: list[tuple[str, str]] = []
    for kind, share in MIX.items():
        target, produced, index = share * total_chars, 0, 0
        while produced < target:
            index += 1
            text = makers[kind]()
            documents.append((f"{kind}-{index:04d}.txt", text))
            produced += len(text)
    rng.shuffle(documents)
    return documents


def write(
    directory: str | Path, seed: int = 0, total_chars: int = 2_000_000
) -> list[Path]:
    """Write the corpus of ``generate(seed, total_chars)`` to ``directory`` as UTF-8 files."""
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, text in generate(seed, total_chars):
        path = out / name
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Write the leakscan benchmark corpus.")
    parser.add_argument("directory", help="output directory (created if missing)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--chars", type=int, default=2_000_000, help="total characters")
    args = parser.parse_args(argv)
    paths = write(args.directory, args.seed, args.chars)
    print(f"wrote {len(paths)} documents to {args.directory}")


if __name__ == "__main__":
    main()
