"""The ``guanxi`` command: serve, migrate, import, export, keys, demo."""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import logging
import os
import sys
import time
from pathlib import Path
from typing import Any, NoReturn

from pydantic import ValidationError

from app.settings import ROLES, Settings, make_backend
from graph import csv_bundle
from graph.backends import BACKENDS
from graph.errors import InvalidGraph, LoginRefused, NotMigrated, StorageFull, StoreError, StoreUnavailable
from graph.models import Bundle
from graph.sqlite.store import DB_FILE
from graph.store import Store

DEMO = Path(__file__).with_name("demo_account.json")
# The demo's admin key, kept (0600) in the data directory so that every `--demo` start reuses it.
DEMO_KEY_FILE = "demo-key"
DATA_DIR_HELP = "embedded store directory (env GUANXI_DATA_DIR, default ./guanxi-data)"
# Which store a command opens, for each command's --help.
STORE_HELP = ("The store: the embedded SQLite store in --data-dir, or Neo4j when NEO4J_URI is set (with NEO4J_USER, "
              "NEO4J_PASSWORD, NEO4J_DATABASE); GUANXI_BACKEND=sqlite|neo4j picks one explicitly.")


def _settings(args: argparse.Namespace) -> Settings:
    overrides: dict[str, Any] = {}
    if getattr(args, "data_dir", None):
        overrides["data_dir"] = args.data_dir
    try:
        return Settings(**overrides)
    except ValidationError as e:  # a bad value in the environment: one line naming the variable
        raise SystemExit(f"guanxi {args.command}: " + "; ".join(_setting_problem(err) for err in e.errors())) from e


def _setting_problem(error: Any) -> str:
    """A settings error as the variable that holds the value, what is wrong, and the value (not a secret's)."""
    name = str(error["loc"][0]) if error["loc"] else ""   # the field, or (pydantic-settings) its first alias
    field = Settings.model_fields.get(name) or next(
        (f for f in Settings.model_fields.values() if name in getattr(f.validation_alias, "choices", ())), None)
    aliases = [str(a) for a in getattr(field.validation_alias, "choices", None) or ()] if field is not None else []
    given = [a for a in aliases if a in os.environ or a.lower() in os.environ]  # the one the user set
    variable = (given or aliases or [name if name.isupper() else f"GUANXI_{name.upper()}"])[0]
    msg = str(error["msg"]).removeprefix("Value error, ")
    if msg.startswith(variable):
        return msg
    shown = "" if "password" in name or "key" in name else f" (got {str(error.get('input'))[:40]!r})"
    bounds = error.get("ctx") or {}
    if error["type"] == "greater_than_equal" and bounds.get("ge") is not None:
        msg = f"must be at least {bounds['ge']}"
    elif error["type"] == "greater_than" and bounds.get("gt") is not None:
        msg = f"must be greater than {bounds['gt']}"
    return f"{variable} {msg}{shown}" if msg.startswith("must") else f"{variable}: {msg}{shown}"


def _store(args: argparse.Namespace, *, migrate: bool = True, backend: str | None = None,
           data_dir: Path | None = None, existing: bool = False, read_only: bool = False) -> Store:
    """The configured store (``backend``: that registered backend instead, configured from the same settings;
    ``data_dir``: the embedded store's directory instead). ``existing``: an embedded store must already be
    there (a command that only reads one creates none in a mistyped directory); ``read_only``: opened only to
    be read (SQLite's mode=ro: never created, migrated or written — a backup on read-only media)."""
    settings = _settings(args)
    if backend is not None or data_dir is not None:
        settings = settings.model_copy(update={"backend": backend or settings.backend,
                                               "data_dir": data_dir or settings.data_dir})
    if (existing or read_only) and settings.backend_name == "sqlite":
        _require_store(args, settings.data_dir)
    try:
        store = Store(make_backend(settings, read_only=read_only))
    except ValueError as e:         # a backend not configured (neo4j without NEO4J_URI or NEO4J_PASSWORD)
        raise SystemExit(f"guanxi {args.command}: {e}") from e
    if read_only:
        return store
    if migrate and store.backend.migrates_on_start:
        if settings.auto_migrate:
            store.backend.migrate()
        else:
            _require_migrated(args, store, settings)
    return store


def _require_store(args: argparse.Namespace, data_dir: Path) -> None:
    """Refuse a data directory that holds no embedded store (a mistyped --data-dir, or GUANXI_DATA_DIR not
    set), creating nothing. A path that is not a directory is left to the open, which says what it is."""
    if (data_dir / DB_FILE).exists() or (data_dir.exists() and not data_dir.is_dir()):
        return
    copying = ": the store to copy from holds nothing" if args.command == "copy" else ""
    raise SystemExit(f"guanxi {args.command}: no store at {data_dir} (set GUANXI_DATA_DIR or --data-dir){copying}")


def _require_migrated(args: argparse.Namespace, store: Store, settings: Settings) -> None:
    """With GUANXI_AUTO_MIGRATE off, a store whose migrations have not all been applied is refused in one
    line that says so (not "no such table: api_keys" from the first statement that needs one)."""
    try:
        store.backend.check_ready()
    except StorageFull:
        pass  # reading may still work; a write says so itself
    except NotMigrated as e:
        raise SystemExit(f"guanxi {args.command}: the store in {settings.data_dir} is not migrated (GUANXI_AUTO_MIGRATE "
                         "is off): run `guanxi migrate` first") from e


# A CRM export: a CSV, or what Excel saves as "Unicode 文本" (.txt, tab-separated) or a .tsv.
CSV_SUFFIXES = (".csv", ".txt", ".tsv")


def _read_bundle(path: Path, kind: str | None, encoding: str | None = None) -> Bundle | csv_bundle.CsvBundle:
    """The bundle in a file (a JSON bundle), or the CRM CSV of ``kind`` it holds (merged with the store's
    records when imported: ``csv_bundle.import_csv``)."""
    from tqdm import tqdm

    data = path.read_bytes()
    if path.suffix.lower() in CSV_SUFFIXES:
        if not kind:
            raise SystemExit("guanxi import: a CSV needs --kind (contacts, relationships, ...)")
        total = max(data.count(b"\n") - 1, 0)
        parsed = csv_bundle.read(data, kind, encoding, progress=lambda rows: tqdm(
            rows, total=total, unit="rows", desc=f"reading {path.name}", disable=total < 10000))
        if parsed.encoding != "utf-8":
            print(f"read {path.name} as {parsed.encoding}", file=sys.stderr)
        if parsed.ignored:
            print(f"ignored columns: {', '.join(parsed.ignored)}", file=sys.stderr)
        for warning in parsed.warnings:
            print(f"warning: {warning}", file=sys.stderr)
        return parsed
    try:
        raw = json.loads(data.decode(encoding or "utf-8"))
    except UnicodeDecodeError as e:
        raise SystemExit(f"guanxi import: {path} is not {encoding or 'UTF-8'} (byte {e.start})") from e
    except json.JSONDecodeError as e:
        raise SystemExit(f"guanxi import: {path} is not valid JSON: {e}") from e
    try:
        return Bundle.model_validate(raw)
    except ValidationError as e:
        _fail("import", [f"{'.'.join(map(str, err['loc']))}: {err['msg']}" for err in e.errors()])


def cmd_serve(args: argparse.Namespace) -> None:
    import uvicorn

    from app.main import create_app

    settings = _settings(args)
    # The store is opened (and migrated) here, so that one that cannot be opened is a one-line error
    # before the server starts, not a traceback from its startup.
    store = _store(args)
    if not store.backend.migrates_on_start:
        _check_server(args, store)
    if store.unfinished_copy():
        raise SystemExit("guanxi serve: the store holds the parts of a copy that did not finish (`guanxi copy "
                         "--batch` stopped or still running): copy again with --restart, or serve another store")
    app = create_app(settings, store=store)
    if args.demo:
        loaded = _load_demo(store)
        _print_demo_key(store, settings.data_dir, f"http://{args.host}:{args.port}", loaded)
    # The service keeps large projected maps (millions of objects at 100,000 contacts): with Python's
    # default collector thresholds, loading one ran a dozen full collections over everything held (a cold
    # load of 100,000 contacts 11-12 s; 7.6 s with these). Young collections still run, less often; the
    # objects of the service's start are left out of every collection from now on.
    gc.collect()
    gc.freeze()
    gc.set_threshold(100_000, 50, 100)
    # h11 bounds the request head it buffers (httptools does not): headers beyond it are refused before
    # the app sees them; the app refuses headers above max_header_bytes with 431.
    DRIVER_LOG.setLevel(logging.NOTSET)  # the driver's warnings go to the service's log again
    uvicorn.run(app, host=args.host, port=args.port, log_level="info", http="h11",
                h11_max_incomplete_event_size=4 * settings.max_header_bytes)


def _check_server(args: argparse.Namespace, store: Store) -> None:
    """A database server (Neo4j), asked once before serving: one that refuses the login stops `serve` (waiting
    does not mend wrong settings); one that cannot be reached or is not migrated yet is said, and the service
    starts anyway — it answers 503 until the database is there, and recovers by itself."""
    try:
        store.backend.check_ready()
    except LoginRefused as e:
        raise SystemExit(f"guanxi {args.command}: {e}") from e
    except StoreUnavailable as e:
        print(f"guanxi {args.command}: not ready yet, serving anyway (/ready answers 503 until it is): {e}",
              file=sys.stderr, flush=True)


def _load_demo(store: Store) -> bool:
    """Import the demo account unless its account is already in the store: a store that has it keeps it
    as it is (the edits made to it since, or its deletion of some people), never overwritten by the
    demo's original. Whether it was imported now."""
    demo = Bundle.model_validate_json(DEMO.read_text(encoding="utf-8"))
    ids = [account.id for account in demo.accounts if account.id]
    if store.backend.read(lambda tx: tx.get_nodes(ids)):
        return False
    store.import_bundle(demo, actor="demo")
    return True


def _demo_key(store: Store, data_dir: Path) -> str:
    """The demo's admin key: the one kept in the data directory while it is still valid, else a new one."""
    path = Path(data_dir) / DEMO_KEY_FILE
    try:
        secret = path.read_text(encoding="utf-8").strip()
    except OSError:
        secret = ""
    if secret and store.find_key(secret) is not None:
        return secret
    path.parent.mkdir(parents=True, exist_ok=True)  # on Neo4j nothing else has made the data directory
    _, secret = store.create_key("admin", name="demo")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(secret + "\n")
    return secret


def _print_demo_key(store: Store, data_dir: Path, base_url: str, loaded: bool = True) -> None:
    secret = _demo_key(store, data_dir)
    print("Demo account 'gzf' " + ("loaded" if loaded else "already in the store, left as it is")
          + " (广州某家具制造有限公司). An admin key for trying it:")
    print(f"  Web app: {base_url}/  (sign in with the key {secret})")
    print(f"  curl -H 'Authorization: Bearer {secret}' '{base_url}/v1/accounts/gzf/map?format=png"
          "&opportunity_id=gzf-upgrade' -o map.png")
    print(f"  curl -H 'Authorization: Bearer {secret}' '{base_url}/v1/opportunities/gzf-upgrade/"
          "next-best-contacts'")
    print(f"  API docs: {base_url}/docs")


def cmd_demo(args: argparse.Namespace) -> None:
    args.demo = True
    cmd_serve(args)


def cmd_migrate(args: argparse.Namespace) -> None:
    store = _store(args, migrate=False)
    applied = store.backend.migrate()
    print(f"applied {len(applied)} migration(s): {', '.join(applied) or 'none pending'}")


def cmd_import(args: argparse.Namespace) -> None:
    try:
        read = _read_bundle(Path(args.file), args.kind, args.encoding)
    except csv_bundle.CsvError as e:
        _fail("import", [err["msg"] for err in e.errors])
    parsed = read if isinstance(read, csv_bundle.CsvBundle) else None
    store = _store(args)
    try:
        if isinstance(read, csv_bundle.CsvBundle):
            counts = csv_bundle.import_csv(store, read, actor="cli", dry_run=args.dry_run)
        else:
            counts = store.import_bundle(read, actor="cli", dry_run=args.dry_run)
    except csv_bundle.CsvError as e:
        _fail("import", [err["msg"] for err in e.errors])
    except InvalidGraph as e:
        errors = parsed.locate(e.errors) if parsed is not None else e.errors
        _fail("import", [err["msg"] if parsed is not None else f"{'.'.join(map(str, err['loc'][1:]))}: {err['msg']}"
                         for err in errors])
    print(json.dumps({kind: c.as_json() for kind, c in counts.items() if c.as_json() != {
        "created": 0, "updated": 0, "unchanged": 0}}, ensure_ascii=False, indent=2))
    if args.dry_run:
        print("dry run: the file was checked against the store; nothing was written", file=sys.stderr)


def cmd_copy(args: argparse.Namespace) -> None:
    from_dir = _settings(args).data_dir
    into_dir = Path(args.to_data_dir) if args.to_data_dir else from_dir
    if args.source == args.target and (args.source != "sqlite" or into_dir.resolve() == from_dir.resolve()):
        _fail("copy", ["--from and --to name the same store: copy between two backends, or from one embedded "
                       + "store into another directory (--to-data-dir)"])
    # A database server to copy into is configured first (that connects to nothing): a missing setting is said
    # before anything else. Then the source, only read (an embedded one: mode=ro, never migrated — a backup on
    # read-only media restores), checked before an embedded target is made.
    target = None if args.target == "sqlite" else _store(args, backend=args.target, data_dir=into_dir, migrate=False)
    source = _store(args, backend=args.source, read_only=True)
    try:
        source.backend.check_ready()   # (a store opened only to be read is never "full")
    except NotMigrated as e:
        raise SystemExit(f"guanxi copy: the store to copy from is not migrated ({e}): run `guanxi migrate` on it "
                         "first (a backup on read-only media: copy its directory to a writable disk first)") from e
    new_target = args.target == "sqlite" and not (into_dir / DB_FILE).exists()
    made_from = _first_missing(into_dir) if new_target else None
    try:
        if target is None:
            target = _store(args, backend=args.target, data_dir=into_dir, migrate=False)
        target.backend.migrate()
        _copy(args, source, target, into_dir)
    except BaseException:
        if new_target:
            _remove_new_store(target, into_dir, made_from)
        raise


def _first_missing(path: Path) -> Path | None:
    """The outermost of ``path`` and its parents that does not exist yet (None: ``path`` exists)."""
    missing = None
    for directory in (path, *path.parents):
        if directory.exists():
            break
        missing = directory
    return missing


def _remove_new_store(store: Store | None, data_dir: Path, made_from: Path | None) -> None:
    """After a failed copy, remove the embedded store the copy made, unless parts were written into it (a
    batched copy keeps them, and says so): no empty store is left where there was none."""
    from graph.contents import holds_anything

    if store is not None:
        with contextlib.suppress(Exception):   # unreadable (made half-way): nothing of use in it
            if store.backend.read(holds_anything):
                return
        store.backend.close()
    for suffix in ("", "-wal", "-shm"):
        (data_dir / (DB_FILE + suffix)).unlink(missing_ok=True)
    if made_from is None:
        return
    for directory in (data_dir, *data_dir.parents):   # the directories the copy made, emptied
        try:
            directory.rmdir()
        except OSError:
            return
        if directory == made_from:
            return


def _copy(args: argparse.Namespace, source: Store, target: Store, into_dir: Path) -> None:
    where = f"{args.target} ({into_dir})" if args.target == "sqlite" else args.target
    started = time.monotonic()

    def progress(step: str, number: int) -> None:
        if step == "writing":
            print(f"copying from {args.source} to {where}, "
                  + (f"in transactions of at most {args.batch:,} items..." if args.batch else "in one transaction..."),
                  file=sys.stderr, flush=True)
        elif step == "part":
            print(f"  part {number} written", file=sys.stderr, flush=True)
        else:
            print(f"written in {time.monotonic() - started:.1f} s; reading both back to compare...",
                  file=sys.stderr, flush=True)

    counts = target.copy_from(source, batch=args.batch, restart=args.restart, progress=progress)
    print(json.dumps(counts, indent=2))
    print(f"copied from {args.source} to {where} and read back the same", file=sys.stderr)


def _positive(text: str) -> int:
    """An argument that must be a whole number of at least 1."""
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of at least 1")
    return int(text)


def _fail(command: str, problems: list[str], shown: int = 20) -> NoReturn:
    """Exit with one line per problem (at most ``shown``), never a traceback."""
    lines = [f"guanxi {command}: {len(problems)} problem(s):", *(f"  {p}" for p in problems[:shown])]
    if len(problems) > shown:
        lines.append(f"  ... and {len(problems) - shown} more")
    raise SystemExit("\n".join(lines))


def cmd_export(args: argparse.Namespace) -> None:
    if args.deck and args.format not in DECK_FORMATS:
        raise SystemExit(f"guanxi export: --deck makes the review deck, as pdf or pptx: use --format pdf --deck "
                         f"(or --format pptx), or leave --deck out to export the {args.format}")
    store = _store(args, existing=True)
    as_of = _moment(args.as_of, "--as-of") if args.as_of else None
    if args.format in DECK_FORMATS and (args.format == "pptx" or args.deck):
        from app.reviews import review_deck
        from scoring.options import ScoringOptions

        data = review_deck(store, ScoringOptions(), args.account, args.format, opportunity_id=args.opportunity,
                           since=args.since, redact=args.redact, lang=args.lang)
    elif args.format == "bundle":
        from graph import history

        bundle = (store.export_account(args.account) if as_of is None
                  else history.export_as_of(store, args.account, as_of))
        data = json.dumps(bundle, ensure_ascii=False, indent=2).encode()
    elif as_of is not None:
        from rendering import render_map_as_of

        data, _, _ = render_map_as_of(store, args.account, args.format, as_of, opportunity_id=args.opportunity,
                                      redact=args.redact, lang=args.lang)
    else:
        from rendering import render_account_map

        data, _ = render_account_map(store, args.account, args.format, opportunity_id=args.opportunity,
                                     redact=args.redact)
    if args.output in (None, "-"):
        sys.stdout.buffer.write(data)
    else:
        Path(args.output).write_bytes(data)
        print(f"wrote {args.output} ({len(data)} bytes)", file=sys.stderr)


DECK_FORMATS = ("pptx", "pdf")


def _moment(value: str, option: str) -> str:
    from graph.models import moment

    try:
        return moment(value)
    except ValueError as e:
        raise SystemExit(f"guanxi: {option}: {e}") from e


def cmd_review(args: argparse.Namespace) -> None:
    from graph.models import ReviewIn

    store = _store(args, existing=True)   # a review is of an account the store holds
    if args.review_command == "create":
        try:
            model = ReviewIn.model_validate({"account_id": args.account, "title": args.title,
                                             "held_at": args.held_at, "notes": args.notes,
                                             "opportunity_ids": args.opportunity or []})
        except ValidationError as e:
            raise SystemExit(f"guanxi review create: {e}") from e
        review = store.create_review(model, actor="cli")
        print(json.dumps({"id": review.id, **review.data}, ensure_ascii=False, indent=2))
        return
    for review in store.list_reviews(args.account, limit=500).items:
        print(f"{review.id}\t{review.data['held_at']}\t{review.data['title']}")


def cmd_changes(args: argparse.Namespace) -> None:
    from app.reviews import compare
    from scoring.options import ScoringOptions
    from scoring.results import plain

    store = _store(args, existing=True)
    compared = compare(store, ScoringOptions(), args.account, args.since, args.until, args.opportunity,
                       args.lang or "en")
    if compared is None:
        raise SystemExit("guanxi changes: the account has no review yet: give --since a date")
    if args.json:
        print(json.dumps({"since": compared.period.since, "until": compared.period.until,
                          **plain(compared.changes)}, ensure_ascii=False, indent=2))
        return
    print(f"{args.account}: {compared.label} → {compared.period.until[:19]}")
    for change in compared.changes.changes:
        print(f"  {(change.at or '')[:19]}  {change.text}")
    for line in _summary_lines(compared.changes.summary, compared.period.after, args.lang or "en"):
        print(line)


# The summary of `guanxi changes` in its text form, in the language of the change lines.
SUMMARY_WORDS: dict[str, dict[str, str]] = {
    "counts": {"en": "summary ({opportunity}): {joined} joined, {left} left, {stances} stance change(s), "
                     "{added} line(s) added, {removed} removed, coverage +{gained} / −{lost}",
               "zh-CN": "汇总（{opportunity}）：新加入 {joined}，离开 {left}，态度变化 {stances}，新增关系 {added}，"
                        "删除关系 {removed}，覆盖 +{gained} / −{lost}"},
    "moves": {"en": "moves between accounts: {moved_in} moved in, {moved_out} moved out, {lines} line(s) with them",
              "zh-CN": "客户间调动：调入 {moved_in}，调出 {moved_out}，随之变动的关系 {lines}"},
    "us": {"en": "support for us: {before} → {after}", "zh-CN": "我方支持度：{before} → {after}"},
    "them": {"en": "support for {name}: {before} → {after}", "zh-CN": "{name}的支持度：{before} → {after}"},
    "opened": {"en": "gap opened: {message}", "zh-CN": "新出现的缺口：{message}"},
    "closed": {"en": "gap closed: {message}", "zh-CN": "已消除的缺口：{message}"},
    "ranking": {"en": "who to win next: {moves}", "zh-CN": "争取对象排名变化：{moves}"},
    "unranked": {"en": "unranked", "zh-CN": "未上榜"},
    "won_over": {"en": "won over", "zh-CN": "已争取到"},
    "deal_closed": {"en": "deal closed", "zh-CN": "商机已结束"},
    "left": {"en": "left", "zh-CN": "已离开"},
}


def _summary_lines(summary: Any, graph: Any, lang: str) -> list[str]:
    """The summary's main items as text (the --json answer has them all): the counts, support for us and
    for each competitor, the gaps opened and closed, and the people whose place in the ranking moved."""
    from scoring.texts import say

    def num(value: float | None) -> str:
        return "—" if value is None else f"{value:+.2f}"

    def name(node: str) -> str:
        found = graph.nodes[node].get("name") if graph is not None and node in graph else None
        return str(found or node)

    if summary.opportunity_id is None:
        return []
    lines = [say(SUMMARY_WORDS, "counts", lang, opportunity=summary.opportunity_id, joined=summary.joined,
                 left=summary.left, stances=summary.stance_changes, added=summary.lines_added,
                 removed=summary.lines_removed, gained=summary.coverage_gained, lost=summary.coverage_lost)]
    if summary.moved_in or summary.moved_out:
        lines.append(say(SUMMARY_WORDS, "moves", lang, moved_in=summary.moved_in, moved_out=summary.moved_out,
                         lines=summary.lines_moved))
    us = summary.support["us"]
    if us.before is not None or us.after is not None:
        lines.append(say(SUMMARY_WORDS, "us", lang, before=num(us.before), after=num(us.after)))
    for competitor, move in summary.support.get("competitors", {}).items():
        lines.append(say(SUMMARY_WORDS, "them", lang, name=move.name or name(competitor), before=num(move.before),
                         after=num(move.after)))
    lines += [say(SUMMARY_WORDS, "opened", lang, message=gap.message) for gap in summary.gaps_opened]
    lines += [say(SUMMARY_WORDS, "closed", lang, message=gap.message) for gap in summary.gaps_closed]
    unranked = say(SUMMARY_WORDS, "unranked", lang)
    moves = [f"{move.name or move.contact_id} {unranked if move.before is None else move.before} → "
             f"{say(SUMMARY_WORDS, move.out_because or 'unranked', lang) if move.after is None else move.after}"
             for move in summary.ranking if move.before != move.after]
    if moves:
        lines.append(say(SUMMARY_WORDS, "ranking", lang, moves=("；" if lang == "zh-CN" else "; ").join(moves)))
    return lines


def cmd_keys(args: argparse.Namespace) -> None:
    # A key may be created in a new store (how one starts); listing or revoking needs one that is there.
    store = _store(args, existing=args.keys_command != "create")
    if args.keys_command == "create":
        key, secret = store.create_key(args.role, name=args.name or "")
        print(f"created {key.role} key {key.id}; it is shown once, store it now:")
        print(secret)
    elif args.keys_command == "revoke":
        store.revoke_key(args.key_id)
        print(f"revoked {args.key_id}")
    else:
        for key in store.list_keys():
            print(f"{key.id}\t{key.role}\t{key.name}\t{key.created_at}")


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="guanxi", description="Relationship maps for key-account selling.")
    sub = top.add_subparsers(dest="command", required=True)

    # --data-dir is read wherever it stands (`guanxi --data-dir D keys create`, `guanxi keys --data-dir D
    # create`, `guanxi keys create --data-dir D`): below the top the option has no default, so a
    # subcommand that was not given it leaves the value found earlier alone.
    top.add_argument("--data-dir", help=DATA_DIR_HELP)

    def command(name: str, help: str, description: str | None = None) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help, description=description or help[:1].upper() + help[1:] + ".",
                           epilog=STORE_HELP)
        p.add_argument("--data-dir", default=argparse.SUPPRESS, help=DATA_DIR_HELP)
        return p

    for name, help in (("serve", "run the HTTP service"), ("demo", "run the service with a demo account")):
        p = command(name, help, description=help[:1].upper() + help[1:] + " (embedded store unless NEO4J_URI is set). "
                    "A store that cannot be opened, or a Neo4j that refuses the login, stops it before it starts; a "
                    "Neo4j not reachable yet is waited for (503 until it answers).")
        p.add_argument("--host", default="127.0.0.1",
                       help="address to listen on (default: %(default)s, this machine only; 0.0.0.0: every interface)")
        p.add_argument("--port", type=int, default=8000, help="port to listen on (default: %(default)s)")
        if name == "serve":
            p.add_argument("--demo", action="store_true", help="load the built-in demo account first")
    command("migrate", "apply pending schema migrations",
            description="Apply pending schema migrations to the configured store — the embedded store in --data-dir "
                        "(created if there is none), or Neo4j when NEO4J_URI is set or GUANXI_BACKEND=neo4j. "
                        "Idempotent: a second run, or one running at the same time, applies nothing.")
    p = command("import", "import a bundle (.json) or a CRM export (.csv)")
    p.add_argument("file")
    p.add_argument("--kind", choices=list(csv_bundle.KINDS), help="what the CSV holds")
    p.add_argument("--encoding", choices=csv_bundle.ENCODINGS,
                   help="a CSV's encoding (default: UTF-16 with a BOM, else UTF-8, else GB18030 as Chinese "
                        "Excel saves CSV; name Big5 — a Taiwan or Hong Kong export — it is not guessed)")
    p.add_argument("--dry-run", action="store_true", help="check the file against the store; write nothing")
    p = command("export", "export an account as a bundle, an image or a graph file")
    p.add_argument("account")
    from rendering.formats import FORMATS

    p.add_argument("--format", default="bundle", choices=["bundle", *FORMATS, *(f for f in DECK_FORMATS
                                                                                 if f not in FORMATS)],
                   help="bundle (JSON, re-importable), a map format (" + ", ".join(FORMATS) + ") or the "
                        "review deck: pptx, or pdf with --deck")
    p.add_argument("--deck", action="store_true", help="with --format pdf: the review deck, not the map")
    p.add_argument("--opportunity", help="emphasise this opportunity's decision chain (maps, deck)")
    p.add_argument("--redact", action="store_true", help="leave personal notes and interests out (maps, deck)")
    p.add_argument("--as-of", help="ISO date or datetime: the bundle or map as it stood then")
    p.add_argument("--since", help="the deck's comparison point: a review id or date (default: the latest review)")
    p.add_argument("--lang", choices=["en", "zh-CN"], help="language of maps and deck (default: of the names)")
    p.add_argument("-o", "--output", help="file to write (default: standard output)")
    p = command("review", "record or list account reviews (复盘)")
    reviews = p.add_subparsers(dest="review_command", required=True)
    create_review = reviews.add_parser("create", help="record a review point of an account")
    create_review.add_argument("account")
    create_review.add_argument("--title", required=True)
    create_review.add_argument("--held-at", help="ISO date or datetime (default: now)")
    create_review.add_argument("--notes")
    create_review.add_argument("--opportunity", action="append", help="an opportunity it reviewed (repeatable)")
    create_review.add_argument("--data-dir", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    list_review = reviews.add_parser("list", help="an account's reviews, newest first")
    list_review.add_argument("account")
    list_review.add_argument("--data-dir", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    p = command("changes", "what changed on an account's map since a review or date")
    p.add_argument("account")
    p.add_argument("--since", help="a review id or ISO date (default: the latest review)")
    p.add_argument("--until", help="a review id or ISO date (default: now)")
    p.add_argument("--opportunity", help="only this opportunity's decision-chain changes; its support")
    p.add_argument("--lang", choices=["en", "zh-CN"], default="en")
    p.add_argument("--json", action="store_true", help="the API's JSON answer")
    p = command("copy", "copy everything one store holds into another, empty one (say, the embedded "
                        "store into Neo4j)")
    p.add_argument("--from", dest="source", required=True, choices=list(BACKENDS),
                   help="the backend to copy from, configured as for serve (sqlite: --data-dir)")
    p.add_argument("--to", dest="target", required=True, choices=list(BACKENDS),
                   help="the backend to copy into (neo4j: NEO4J_URI, NEO4J_PASSWORD); it must hold nothing yet")
    p.add_argument("--batch", type=_positive, metavar="N",
                   help="write in transactions of at most N records and audit entries each, for a store larger "
                        "than one Neo4j transaction may be (not all or nothing: a failure keeps the parts "
                        "written before it, and the store says it holds an unfinished copy until one "
                        "finishes: copy again with --restart)")
    p.add_argument("--restart", action="store_true",
                   help="empty the store copied into first — only one holding the parts of a copy that did not "
                        "finish")
    p.add_argument("--to-data-dir", help="with --to sqlite: the embedded store to copy into (default: --data-dir); "
                                         "from sqlite to sqlite, a consistent backup while the service runs")
    p = command("keys", "manage API keys")
    keys = p.add_subparsers(dest="keys_command", required=True)
    create = keys.add_parser("create", help="create a key; prints it once, as the last line")
    create.add_argument("--role", choices=ROLES, required=True)
    create.add_argument("--name", help="who or what the key is for")
    create.add_argument("--data-dir", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    revoke = keys.add_parser("revoke", help="revoke a key by its id")
    revoke.add_argument("key_id")
    revoke.add_argument("--data-dir", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    listing = keys.add_parser("list", help="list keys (ids and roles, never secrets)")
    listing.add_argument("--data-dir", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    return top


COMMANDS = {"serve": cmd_serve, "demo": cmd_demo, "migrate": cmd_migrate, "import": cmd_import,
            "export": cmd_export, "keys": cmd_keys, "review": cmd_review, "changes": cmd_changes, "copy": cmd_copy}


# The Neo4j driver's own log (WARNING "Transaction failed and will be retried in 0.9s (...)" on each retry of
# an unreachable server): what it says, the command's one-line error says once; while the service runs, its log
# is the operator's.
DRIVER_LOG = logging.getLogger("neo4j")


def main(argv: list[str] | None = None) -> None:
    args = parser().parse_args(argv)
    DRIVER_LOG.setLevel(logging.ERROR)
    try:
        COMMANDS[args.command](args)
        sys.stdout.flush()  # here, so that a reader that has gone away is noticed below, not at exit
    except BrokenPipeError:
        _reader_gone()
    except StoreError as e:
        raise SystemExit(f"guanxi {args.command}: {e}") from e
    except OSError as e:  # a file that is missing, unreadable, a directory...
        raise SystemExit(f"guanxi {args.command}: {e.strerror or e}"
                         + (f": {e.filename}" if e.filename else "")) from e
    except ValidationError as e:
        _fail(args.command, [f"{'.'.join(map(str, err['loc']))}: {err['msg']}" for err in e.errors()])
    except Exception as e:
        if os.environ.get("GUANXI_DEBUG"):
            raise
        raise SystemExit(f"guanxi {args.command}: unexpected error: {type(e).__name__}: {e} "
                         "(set GUANXI_DEBUG=1 to see where)") from e


def _reader_gone() -> NoReturn:
    """Stop quietly when standard output's reader has gone (`guanxi changes ... | head`): the rest of the output
    goes nowhere (not a "Broken pipe" error, nor Python's complaint when it flushes at exit)."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    raise SystemExit(1)


if __name__ == "__main__":
    main()
