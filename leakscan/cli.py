"""The ``leakscan`` command: parse options, call the library, choose the renderer.

Exit codes: 0 nothing blocks, 1 something blocks (with ``--fail-on``: reaches that decision;
findings in a ``--baseline`` do not count), 2 usage or configuration error.  Folder scans run
through ``runner.scan_walk`` (walk, cache, worker processes); see docs/ci.md.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from . import __version__, messages
from .baseline import Baseline, Matcher
from .batch import ScannerSpec, default_timeout
from .cache import ResultCache, version_key
from .errors import InputError, LeakscanError
from .gateway.command import smtp_filter
from .model import ACTIONS, VERDICTS
from .policy import ALL_ACTIONS, Condition, Policy
from .progress import ProgressLine
from .report import render_json, render_text
from .report.sarif import render_sarif
from .runner import Run, scan_walk
from .scanner import Scanner
from .walk import WalkOptions, walk

LANG = click.Choice(messages.LANGS)


def _fail(error: LeakscanError) -> None:
    click.echo(f"leakscan: {error}", err=True)
    sys.exit(error.exit_code)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="leakscan")
def main() -> None:
    """leakscan: 公文送出前的洩密檢查 (pre-send leak check for Traditional-Chinese documents)."""


def _walk_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """The options that choose and scan the files, shared by ``scan`` and ``baseline create``."""
    options = [
        click.option("--patterns", "pattern_paths", multiple=True, metavar="DIR",
                     help="Extra pattern-set folder or file (repeatable)."),
        click.option("--policy", "policy_file", metavar="FILE",
                     help="Decision table replacing the built-in policy."),
        click.option("--exclude", multiple=True, metavar="GLOB",
                     help="Leave out paths matching this gitignore-style pattern (repeatable)."),
        click.option("--include", multiple=True, metavar="GLOB",
                     help="Scan only files matching one of these patterns (repeatable)."),
        click.option("--max-size", type=click.IntRange(min=0), default=None, metavar="BYTES",
                     help="Skip (and report) files larger than this [default: the 100 MB read limit]."),
        click.option("-j", "--jobs", type=click.IntRange(min=0), default=None, metavar="N",
                     help="Worker processes [default: number of CPUs]; 0 scans in-process without "
                          "the hard per-file time limit."),
        click.option("--timeout", type=click.FloatRange(min=0, min_open=True), default=None,
                     metavar="SECONDS",
                     help="Hard time limit per file; its worker is killed [default: 90]."),
        click.option("--cache", "cache_dir", metavar="DIR",
                     help="Reuse results of unchanged files from this folder (no values stored)."),
        click.option("-q", "--quiet", is_flag=True, help="No progress display."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


@dataclass(frozen=True, slots=True)
class _WalkArgs:
    paths: Sequence[str]
    pattern_paths: Sequence[str]
    policy_file: str | None
    exclude: Sequence[str]
    include: Sequence[str]
    max_size: int | None
    jobs: int | None
    timeout: float | None
    cache_dir: str | None
    quiet: bool


def _fingerprint_key() -> bytes | None:
    key = os.environ.get("LEAKSCAN_FINGERPRINT_KEY")
    return key.encode("utf-8") if key else None


def _warn_unkeyed(key: bytes | None, lang: str) -> None:
    if key is None:
        click.echo("leakscan: LEAKSCAN_FINGERPRINT_KEY is not set: baseline fingerprints use masked "
                   "values only, so a new value that masks like a listed one is not told apart"
                   if lang == "en" else
                   "leakscan：未設定 LEAKSCAN_FINGERPRINT_KEY，基準線僅以遮蔽後的值比對；"
                   "遮蔽後相同的不同數值將無法區分", err=True)


def _prepare(args: _WalkArgs, spec: ScannerSpec, key: bytes | None) -> tuple[Scanner, ResultCache | None]:
    """Check the paths and build the scanner and the cache; usage errors raise."""
    missing = [p for p in args.paths if p != "-" and not os.path.lexists(p)]
    if missing:
        raise InputError(f"{missing[0]}: no such file or folder")
    scanner = spec.build()
    cache = None
    if args.cache_dir:
        version = version_key(scanner, key)
        cache = ResultCache(args.cache_dir, version, scanner, key)
    return scanner, cache


def _scan_tree(args: _WalkArgs, spec: ScannerSpec, scanner: Scanner, cache: ResultCache | None,
               lang: str, *, read_cache: bool = True) -> Run:
    limit = scanner.limits.max_file_bytes if args.max_size is None else args.max_size
    own = (os.path.realpath(args.cache_dir),) if args.cache_dir else ()
    walked = walk(args.paths, WalkOptions(tuple(args.exclude), tuple(args.include), limit, own_folders=own))
    stdin = b""
    if any(entry.path == "-" for entry in walked.files):
        with click.open_file("-", "rb") as handle:
            stdin = handle.read()
    progress = None if args.quiet or not sys.stderr.isatty() else ProgressLine(sys.stderr, lang)
    jobs = (os.cpu_count() or 1) if args.jobs is None else args.jobs
    timeout = default_timeout(scanner) if args.timeout is None else args.timeout
    try:
        return scan_walk(walked, spec, scanner, jobs=jobs, timeout=timeout, cache=cache,
                         read_cache=read_cache, stdin=stdin, progress=progress)
    finally:
        if progress is not None:
            progress.close()


@main.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("--format", "output_format", type=click.Choice(["text", "json", "sarif"]),
              default="text", show_default=True, help="Report format (sarif: SARIF 2.1.0 for code scanning).")
@click.option("--action", type=click.Choice([*ACTIONS, ALL_ACTIONS]), default="share",
              show_default=True, help="What you are about to do with the document (all: every action).")
@click.option("--lang", type=LANG, default="zh-TW", show_default=True, help="Report language.")
@click.option("--show-values", is_flag=True, help="Reveal matched values (masked by default; "
              "files are then scanned again rather than read from the cache).")
@click.option("--fail-closed", is_flag=True, help="Files not fully read block instead of warn.")
@click.option("--baseline", "baseline_file", metavar="FILE",
              help="Findings listed in this baseline do not fail the run.")
@click.option("--fail-on", type=click.Choice(VERDICTS), default="block", show_default=True,
              help="The decision that makes the exit status 1.")
@_walk_options
def scan(paths: Sequence[str], output_format: str, action: str, lang: str, show_values: bool,
         fail_closed: bool, baseline_file: str | None, fail_on: str, **walk_args: Any) -> None:
    """Scan files, folders or standard input (-) and report what could leak."""
    args = _WalkArgs(paths=paths, **walk_args)
    spec = ScannerSpec(tuple(args.pattern_paths), action, args.policy_file, fail_closed)
    key = _fingerprint_key()
    try:
        scanner, cache = _prepare(args, spec, key)
        baseline = Baseline.load(baseline_file, key) if baseline_file else None
    except LeakscanError as error:
        _fail(error)
        return
    if baseline is not None:
        _warn_unkeyed(key, lang)
    try:
        run = _scan_tree(args, spec, scanner, cache, lang, read_cache=not show_values)
    except LeakscanError as error:
        _fail(error)
        return
    results = run.results
    known = Matcher(baseline, results, run.relatives, key) if baseline is not None else None
    names = {r.id: r.name(lang) for r in scanner.rules}
    if output_format == "json":
        click.echo(render_json(results, action, lang=lang, reveal=show_values, skipped=run.skipped,
                               known=known))
    elif output_format == "sarif":
        click.echo(render_sarif(results, rules=scanner.rules, policy=scanner.policy, action=action,
                                lang=lang, reveal=show_values, tool_version=__version__,
                                root=os.getcwd(), fingerprint_key=key, skipped=run.skipped,
                                known=known))
    else:
        click.echo(render_text(results, action, lang=lang, reveal=show_values, rule_names=names,
                               skipped=run.skipped, known=known), nl=False)
    verdicts = [known.gate_verdict(r, scanner) if known else r.verdict for r in results]
    threshold = VERDICTS.index(fail_on)
    sys.exit(1 if any(VERDICTS.index(v) >= threshold for v in verdicts) else 0)


@main.group()
def baseline() -> None:
    """Baselines: findings already known, which do not fail later runs."""


@baseline.command("create")
@click.argument("paths", nargs=-1, required=True)
@click.option("-o", "--output", required=True, metavar="FILE", help="The baseline file to write.")
@click.option("--lang", type=LANG, default="zh-TW", show_default=True, help="Message language.")
@_walk_options
def baseline_create(paths: Sequence[str], output: str, lang: str, **walk_args: Any) -> None:
    """Write a baseline of every finding in PATH... (fingerprints only, never values)."""
    args = _WalkArgs(paths=paths, **walk_args)
    spec = ScannerSpec(tuple(args.pattern_paths), "share", args.policy_file, False)
    key = _fingerprint_key()
    try:
        scanner, cache = _prepare(args, spec, key)
    except LeakscanError as error:
        _fail(error)
        return
    _warn_unkeyed(key, lang)
    try:
        run = _scan_tree(args, spec, scanner, cache, lang)
    except LeakscanError as error:
        _fail(error)
        return
    made, text = Baseline.create(run.results, run.relatives, key)
    try:
        Path(output).write_text(text, encoding="utf-8")
    except OSError as exc:
        _fail(InputError(f"{output}: {exc.strerror or type(exc).__name__}"))
        return
    unread = sum(1 for r in run.results if r.status != "scanned")
    click.echo(f"{output}: {len(made.fingerprints)} finding(s) from {len(run.results)} file(s)"
               + (f"; {unread} not read completely" if unread else "")
               + (f"; {len(run.skipped)} skipped" if run.skipped else "")
               if lang == "en" else
               f"{output}：{len(run.results)} 個檔案、{len(made.fingerprints)} 項發現"
               + (f"；{unread} 個未完整讀取" if unread else "")
               + (f"；略過 {len(run.skipped)} 個" if run.skipped else ""), err=True)


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


# The mail gateway's command lives with the gateway; aiosmtpd is imported only when it serves.
main.add_command(smtp_filter)
