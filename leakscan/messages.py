"""Every word leakscan shows a person, in Traditional Chinese (default) and English.

Codes (categories, severities, problems, reasons) stay stable in JSON; these tables turn them into
words.  A missing entry falls back to the code itself rather than failing a report.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .model import Reason

LANGS = ("zh-TW", "en")

_TABLES: dict[str, dict[str, tuple[str, str]]] = {
    "category": {
        "classification": ("機密等級", "classification marking"),
        "dissemination": ("限閱標示", "dissemination marking"),
        "procurement": ("採購機密", "procurement secret"),
        "personal-data": ("個人資料", "personal data"),
        "sensitive-personal-data": ("特種個人資料", "sensitive personal data"),
        "trade-secret": ("營業秘密", "trade secret"),
        "credential": ("密碼／金鑰", "credential"),
    },
    "severity": {
        "info": ("提示", "info"),
        "low": ("低", "low"),
        "medium": ("中", "medium"),
        "high": ("高", "high"),
    },
    "level": {
        "密": ("密", "密 (restricted official secret)"),
        "機密": ("機密", "機密 (confidential national secret)"),
        "極機密": ("極機密", "極機密 (secret national secret)"),
        "絕對機密": ("絕對機密", "絕對機密 (top-secret national secret)"),
    },
    "status": {
        "scanned": ("已完整讀取", "read completely"),
        "partial": ("僅部分讀取", "read only in part"),
        "unreadable": ("無法讀取", "not read"),
    },
    "verdict": {
        "allow": ("可以", "allowed"),
        "warn": ("注意", "warning"),
        "block": ("禁止", "blocked"),
    },
    "action": {
        "share": ("分享", "share"),
        "email": ("電子郵件", "e-mail"),
        "fax": ("傳真", "fax"),
        "print": ("列印／影印", "print / copy"),
        "upload": ("上傳", "upload"),
        "hand-carry": ("傳遞／郵寄", "hand-carry / mail"),
        "meeting": ("會議分發", "meeting distribution"),
        "dispose": ("銷毀", "disposal"),
    },
    "part": {
        "body": ("內文", "body"),
        "table": ("表格", "table"),
        "header": ("頁首", "header"),
        "footer": ("頁尾", "footer"),
        "title": ("標題", "title"),
        "comment": ("註解", "comment"),
        "footnote": ("註腳", "footnote"),
        "endnote": ("章節附註", "endnote"),
        "tracked-deletion": ("追蹤修訂（已刪除）", "tracked deletion"),
        "tracked-insertion": ("追蹤修訂（插入）", "tracked insertion"),
        "textbox": ("文字方塊", "text box"),
        "hidden": ("隱藏文字", "hidden text"),
        "notes": ("備忘稿", "speaker notes"),
        "annotation": ("註釋", "annotation"),
        "metadata": ("文件屬性", "document properties"),
        "sheet-name": ("工作表名稱", "sheet name"),
        "defined-name": ("已定義名稱", "defined name"),
        "subject": ("郵件主旨", "subject"),
        "filename": ("檔名", "file name"),
        "attribute": ("屬性", "attribute"),
        "form": ("表單欄位", "form field"),
        "outline": ("書籤", "bookmarks"),
        "package-part": ("文件內其他部分（圖表、SmartArt、樞紐分析快取等）",
                         "other part of the document (chart, SmartArt, pivot cache …)"),
    },
    "problem": {
        "unsupported-format": ("不支援的檔案格式，未檢查內容", "unsupported format, content not checked"),
        "empty": ("檔案是空的，沒有可檢查的內容", "the file is empty"),
        "too-large": ("檔案超過大小上限，未讀取", "file exceeds the size limit, not read"),
        "encoding": ("部分位元組無法解碼，已以替代字元讀取", "some bytes could not be decoded"),
        "io-error": ("無法讀取檔案", "the file could not be read"),
        "not-a-file": ("不是一般檔案，未讀取", "not a regular file, not read"),
        "unreadable-folder": ("資料夾無法列出，其中的檔案都未檢查",
                              "the folder could not be listed; none of its files were checked"),
        "internal-error": ("檢查時發生內部錯誤", "internal error while scanning"),
        "corrupt": ("檔案損壞，無法讀取", "the file is damaged"),
        "encrypted": ("檔案有密碼保護，無法檢查", "password-protected, not read"),
        "legacy-format": ("舊版 Office 二進位格式，未讀取", "legacy Office binary format, not read"),
        "zip-bomb": ("壓縮內容異常膨脹（疑似壓縮炸彈），未讀取", "decompression bomb suspected, not read"),
        "too-many-entries": ("壓縮檔項目過多，未讀取", "too many archive entries, not read"),
        "xml-entities": ("XML 含 DTD 或實體，已拒絕或未讀取", "XML DTD or entities refused or not read"),
        "garbled": ("部分頁面文字無法正確解碼，未檢查", "text could not be decoded, not checked"),
        "no-text-layer": ("頁面沒有文字層（掃描影像），未檢查",
                          "pages without a text layer (scans), not checked"),
        "too-many-pages": ("頁數超過上限，其餘頁面未讀取", "page limit reached, remaining pages not read"),
        "image-page": ("頁面主要是影像（掃描），僅有少量文字，影像內容未檢查",
                       "pages that are mostly images (scans) with little text; the images were not checked"),
        "annotation-not-read": ("註釋（圖章、文字框）的顯示內容無法讀取，未檢查",
                                "the drawn text of annotations (stamps, text boxes) could not be read"),
        "attachment-not-read": ("內嵌附件無法取出，未檢查",
                                "attached files could not be extracted, not checked"),
        "metadata-not-read": ("部分文件屬性（XMP）無法解碼，未檢查",
                              "some document metadata (XMP) could not be decoded, not checked"),
        "xfa-form": ("XFA 動態表單的內容未檢查", "XFA form content not checked"),
        "malformed-message": ("郵件格式有誤，已盡量讀取", "malformed message, read as far as possible"),
        "duplicate-entry": ("壓縮檔內有同名項目，僅讀取第一個",
                            "archive holds entries with the same name; only the first was read"),
        "msg-not-read": ("Outlook .msg 格式不支援，未檢查內容；請另存為 .eml",
                         "Outlook .msg is not supported, content not checked; save it as .eml"),
        "timeout": ("超過單檔檢查時間上限，其餘內容未檢查", "time limit reached, the rest was not checked"),
        "too-deep": ("內嵌或壓縮層數過多，未讀取", "nested too deeply, not read"),
        "rule-timeout": ("自訂偵測規則執行超過時間上限，該規則未完成檢查",
                         "a pattern-set rule ran past the time limit and was not completed"),
        "too-many-findings": ("發現項目超過上限，其餘內容未檢查",
                              "too many findings, the rest was not checked"),
        "part-not-read": ("文件內有無法讀取的部分（巨集、大型圖片或其他二進位內容），未檢查",
                          "parts of the document (macros, large pictures, other binaries) "
                          "could not be read, not checked"),
        "worker-crashed": ("檢查程序異常結束，檔案未檢查",
                           "the scanning worker crashed, content not checked"),
    },
    # Why a folder scan did not read a path (codes stable in JSON and SARIF).
    "skip": {
        "too-large": ("超過大小上限，未讀取", "over the size limit, not read"),
        "ignored": ("依 .leakscanignore 略過", "ignored by .leakscanignore"),
        "excluded": ("依 --exclude 略過", "excluded by --exclude"),
        "not-included": ("不符合 --include", "not matched by --include"),
        "symlink-outside": ("符號連結指向掃描範圍外，未追蹤",
                            "symlink pointing outside the tree, not followed"),
        "symlink-folder": ("指向資料夾的符號連結，未追蹤", "symlink to a folder, not followed"),
        "broken-symlink": ("符號連結目標不存在", "broken symlink"),
        "duplicate": ("與已掃描的檔案相同（連結），未重複讀取", "same file as one already scanned (link)"),
        "special-file": ("不是一般檔案（FIFO、裝置或 socket），未開啟",
                         "not a regular file (FIFO, device or socket), not opened"),
        "unreadable-folder": ("資料夾無法讀取", "folder could not be read"),
        "io-error": ("無法取得檔案資訊", "file information could not be read"),
        "unreadable-ignore-file": (".leakscanignore 無法讀取，未套用（資料夾照常掃描）",
                                   ".leakscanignore could not be read; not applied (folder scanned)"),
        "bad-ignore-file": (".leakscanignore 含無效的規則，未套用（資料夾照常掃描）",
                            ".leakscanignore holds an invalid pattern; not applied (folder scanned)"),
    },
    "reason": {
        "term": ("關鍵詞「{detail}」為完整詞彙", "term “{detail}” stands as a whole word"),
        "level": ("密等為「{detail}」", "classification level {detail}"),
        "checksum-ok": ("檢查碼正確", "checksum valid"),
        "checksum-failed": ("檢查碼不符，可能是誤植或非證號", "checksum invalid: typo or not an ID"),
        "context": ("附近有「{detail}」", "near “{detail}”"),
        "adjusted": ("風險調整：{detail}", "severity adjusted: {detail}"),
        "severity": ("有{detail}風險的發現", "a finding of {detail} severity"),
        "not-read": ("檔案{detail}", "the file was {detail}"),
        "policy": ("依政策 {detail}", "policy {detail}"),
    },
}


def word(table: str, code: str, lang: str = "zh-TW") -> str:
    """The word for ``code`` in ``table`` (category, severity, level, status, …)."""
    entry = _TABLES.get(table, {}).get(code)
    if entry is None:
        return code
    return entry[1] if lang == "en" else entry[0]


def reason(code: str, detail: str, lang: str = "zh-TW") -> str:
    """A reason code with its (non-secret) detail, in words."""
    entry = _TABLES["reason"].get(code)
    if entry is None:
        return f"{code}: {detail}" if detail else code
    template = entry[1] if lang == "en" else entry[0]
    if code == "severity":
        detail = word("severity", detail, lang)
    elif code == "not-read":
        detail = word("status", detail, lang)
    return template.format(detail=detail)


def explain(item: Reason, lang: str = "zh-TW") -> str:
    """A reason in words: its own text when data supplied one, else the code's template."""
    if item.words:
        return item.words[1] if lang == "en" else item.words[0]
    return reason(item.code, item.detail, lang)


def problem(code: str, detail: str, lang: str = "zh-TW") -> str:
    """A problem in words; its detail (a part or attachment name from the file) made printable
    on one line, so a name holding a newline cannot forge a report line."""
    from .walk import display_path

    text = word("problem", code, lang)
    detail = display_path(detail)
    return f"{text}（{detail}）" if detail and lang != "en" else f"{text} ({detail})" if detail else text
