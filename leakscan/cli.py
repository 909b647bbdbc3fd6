"""The ``leakscan`` command: parse options, call the library, choose the renderer.

Exit codes: 0 nothing blocks, 1 something blocks, 2 usage or configuration error.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, Sequence

import click

from . import __version__, messages
from .errors import InputError, LeakscanError
from .model import ACTIONS, ScanResult
from .policy import ALL_ACTIONS, Condition, Policy
from .report import render_json, render_text
from .report.sarif import render_sarif
from .scanner import Scanner

LANG = click.Choice(messages.LANGS)


def _fail(error: LeakscanError) -> None:
    click.echo(f"leakscan: {error}", err=True)
    sys.exit(error.exit_code)


def _files(path: str) -> Iterator[str]:
    """The files to scan for one argument: itself, or every file below a folder, sorted by path."""
    if path == "-" or not os.path.isdir(path):
        yield path
        return
    found = []
    for root, dirs, names in os.walk(path, followlinks=False):
        dirs.sort()
        found.extend(os.path.join(root, name) for name in names)
    yield from sorted(found)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="leakscan")
def main() -> None:
    """leakscan: 公文送出前的洩密檢查 (pre-send leak check for Traditional-Chinese documents)."""


@main.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("--format", "output_format", type=click.Choice(["text", "json", "sarif"]),
              default="text", show_default=True, help="Report format (sarif: SARIF 2.1.0 for code scanning).")
@click.option("--action", type=click.Choice([*ACTIONS, ALL_ACTIONS]), default="share",
              show_default=True, help="What you are about to do with the document (all: every action).")
@click.option("--patterns", "pattern_paths", multiple=True, metavar="DIR",
              help="Extra pattern-set folder or file (repeatable).")
@click.option("--lang", type=LANG, default="zh-TW", show_default=True, help="Report language.")
@click.option("--show-values", is_flag=True, help="Reveal matched values (masked by default).")
@click.option("--fail-closed", is_flag=True, help="Files not fully read block instead of warn.")
@click.option("--policy", "policy_file", metavar="FILE", help="Decision table replacing the built-in policy.")
def scan(paths: Sequence[str], output_format: str, action: str, pattern_paths: Sequence[str],
         lang: str, show_values: bool, fail_closed: bool, policy_file: str | None) -> None:
    """Scan files, folders or standard input (-) and report what could leak."""
    try:
        missing = [p for p in paths if p != "-" and not os.path.lexists(p)]
        if missing:
            raise InputError(f"{missing[0]}: no such file or folder")
        policy = Policy.load(policy_file, fail_closed=fail_closed)
        scanner = Scanner(pattern_paths, action=action, policy=policy)
    except LeakscanError as error:
        _fail(error)
        return
    results: list[ScanResult] = []
    for path in paths:
        for file in _files(path):
            if file == "-":
                with click.open_file("-", "rb") as stdin:
                    results.append(scanner.scan_bytes(stdin.read(), "-"))
            else:
                results.append(scanner.scan_path(file))
    names = {r.id: r.name(lang) for r in scanner.rules}
    if output_format == "json":
        click.echo(render_json(results, action, lang=lang, reveal=show_values))
    elif output_format == "sarif":
        key = os.environ.get("LEAKSCAN_FINGERPRINT_KEY")
        click.echo(render_sarif(results, rules=scanner.rules, policy=scanner.policy, action=action,
                                lang=lang, reveal=show_values, tool_version=__version__,
                                root=os.getcwd(), fingerprint_key=key.encode() if key else None))
    else:
        click.echo(render_text(results, action, lang=lang, reveal=show_values, rule_names=names),
                   nl=False)
    sys.exit(1 if any(r.verdict == "block" for r in results) else 0)


@main.command()
@click.argument("rule_id")
@click.option("--patterns", "pattern_paths", multiple=True, metavar="DIR")
@click.option("--lang", type=LANG, default="zh-TW", show_default=True)
def explain(rule_id: str, pattern_paths: Sequence[str], lang: str) -> None:
    """Show one detection rule: what it finds, its examples and where it is defined."""
    try:
        scanner = Scanner(pattern_paths)
    except LeakscanError as error:
        _fail(error)
        return
    try:
        rule = scanner.rule(rule_id)
    except KeyError:
        if not _explain_handling(scanner.policy, rule_id, lang):
            click.echo(f"leakscan: no rule {rule_id!r} (see 'leakscan patterns' and 'leakscan rules')",
                       err=True)
            sys.exit(2)
        return
    en = lang == "en"
    description = rule.description_en if en else rule.description_zh
    click.echo(f"{rule.id}: {rule.name(lang)}")
    click.echo(f"  {'category' if en else '類別'}: {messages.word('category', rule.category, lang)}"
               f" · {'severity' if en else '風險'}: {messages.word('severity', rule.severity, lang)}")
    if description:
        click.echo(f"  {description}")
    click.echo(f"  {'defined in' if en else '定義於'}: {rule.file}")
    click.echo(f"  {'matches' if en else '應符合'}:")
    for example in rule.match_examples:
        click.echo(f"    + {example.text}")
    if rule.no_match_examples:
        click.echo(f"  {'does not match' if en else '不應符合'}:")
        for text in rule.no_match_examples:
            click.echo(f"    - {text}")


def _explain_handling(policy: Policy, entry_id: str, lang: str) -> bool:
    """Print a handling rule, liability or policy entry; False if there is none by that id."""
    en = lang == "en"
    for entry in (*policy.handling, *policy.liabilities):
        if entry.rule.id == entry_id:
            rule = entry.rule
            kind = "liability" if entry in policy.liabilities else "handling rule"
            click.echo(f"{rule.id} ({kind if en else '法律責任' if kind == 'liability' else '處理規定'})")
            click.echo(f"  {rule.text(lang)}")
            click.echo(f"  {'source' if en else '依據'}: {'; '.join(rule.source)}")
            if rule.note:
                click.echo(f"  {'the guidance cites' if en else '宣導資料引用'}: {rule.note}")
            if kind == "handling rule":
                actions = ", ".join(messages.word("action", a, lang) for a in ACTIONS if a in entry.actions)
                click.echo(f"  {'actions' if en else '適用行為'}: {actions}")
            _echo_condition(entry.condition, lang)
            return True
    decide = policy.entry(entry_id)
    if decide is None:
        return False
    click.echo(f"{decide.id} ({'policy entry' if en else '決策規則'}, {policy.file})")
    click.echo(f"  {decide.note_en if en else decide.note_zh}")
    actions = ", ".join(messages.word("action", a, lang) for a in ACTIONS if a in decide.actions)
    verdict = messages.word("verdict", decide.verdict, lang)
    click.echo(f"  {'actions' if en else '適用行為'}: {actions} → {verdict}")
    _echo_condition(decide.condition, lang)
    return True


def _echo_condition(condition: Condition, lang: str) -> None:
    en = lang == "en"
    if condition.categories:
        words = ", ".join(messages.word("category", c, lang) for c in sorted(condition.categories))
        click.echo(f"  {'categories' if en else '類別'}: {words}")
    if condition.levels:
        click.echo(f"  {'levels' if en else '密等'}: {', '.join(sorted(condition.levels, key=len))}")
    if condition.rules:
        click.echo(f"  {'rules' if en else '偵測規則'}: {', '.join(sorted(condition.rules))}")
    if condition.roster is not None:
        click.echo(f"  {'roster' if en else '名冊'}: {condition.roster}")


@main.command()
@click.option("--action", type=click.Choice(ACTIONS), default=None, help="Only rules for this action.")
@click.option("--lang", type=LANG, default="zh-TW", show_default=True)
def rules(action: str | None, lang: str) -> None:
    """List the handling rules (what to do before an action) with their sources."""
    try:
        policy = Policy.load()
    except LeakscanError as error:
        _fail(error)
        return
    for number, entry in enumerate(policy.rules_for(action), 1):
        rule = entry.rule
        actions = ", ".join(messages.word("action", a, lang) for a in ACTIONS if a in entry.actions)
        click.echo(f"{number:2}. {rule.id} [{actions}]")
        click.echo(f"    {rule.text(lang)}")
        click.echo(f"    {'source' if lang == 'en' else '依據'}: {'; '.join(rule.source)}")


@main.command()
@click.option("--patterns", "pattern_paths", multiple=True, metavar="DIR")
@click.option("--lang", type=LANG, default="zh-TW", show_default=True)
def patterns(pattern_paths: Sequence[str], lang: str) -> None:
    """List the detection rules (built-in and --patterns)."""
    try:
        scanner = Scanner(pattern_paths)
    except LeakscanError as error:
        _fail(error)
        return
    for rule in scanner.rules:
        click.echo(f"{rule.id:32} {rule.category:24} {rule.severity:7} {rule.name(lang)}")


@main.command("check-patterns")
@click.argument("paths", nargs=-1, required=True)
def check_patterns(paths: Sequence[str]) -> None:
    """Validate pattern sets and run every rule's own examples against them."""
    try:
        scanner = Scanner(paths)
    except LeakscanError as error:
        _fail(error)
        return
    failures = scanner.check_examples()
    for line in failures:
        click.echo(line, err=True)
    click.echo(f"{len(scanner.rules)} rule(s) checked, {len(failures)} failing example(s)")
    sys.exit(2 if failures else 0)
