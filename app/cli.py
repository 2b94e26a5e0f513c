"""The ``guanxi`` command: serve, migrate, import, export, keys, demo."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from app import csv_bundle
from app.settings import ROLES, Settings, make_backend
from graph.errors import StoreError
from graph.models import Bundle
from graph.store import Store

DEMO = Path(__file__).with_name("demo_account.json")


def _settings(args: argparse.Namespace) -> Settings:
    overrides: dict[str, Any] = {}
    if getattr(args, "data_dir", None):
        overrides["data_dir"] = args.data_dir
    return Settings(**overrides)


def _store(args: argparse.Namespace, *, migrate: bool = True) -> Store:
    settings = _settings(args)
    store = Store(make_backend(settings))
    if migrate and settings.auto_migrate and store.backend.migrates_on_start:
        store.backend.migrate()
    return store


def _read_bundle(path: Path, kind: str | None) -> Bundle:
    from tqdm import tqdm

    text = path.read_text(encoding="utf-8")
    if path.suffix.lower() == ".csv":
        if not kind:
            raise SystemExit("guanxi import: a CSV needs --kind (contacts, relationships, ...)")
        records, ignored = csv_bundle.rows(text, kind)
        total = max(text.count("\n") - 1, 0)
        rows = list(tqdm(records, total=total, unit="rows", desc=f"reading {path.name}", disable=total < 10000))
        if ignored:
            print(f"ignored columns: {', '.join(ignored)}", file=sys.stderr)
        raw: dict[str, Any] = csv_bundle.to_bundle(kind, rows)
    else:
        raw = json.loads(text)
    return Bundle.model_validate(raw)


def cmd_serve(args: argparse.Namespace) -> None:
    import uvicorn

    from app.main import create_app

    settings = _settings(args)
    app = create_app(settings)
    if args.demo:
        store = _store(args)
        store.import_bundle(Bundle.model_validate_json(DEMO.read_text(encoding="utf-8")), actor="demo")
        _print_demo_key(store, f"http://{args.host}:{args.port}")
    uvicorn.run(app, host=args.host, port=args.port, log_level="info")


def _print_demo_key(store: Store, base_url: str) -> None:
    _, secret = store.create_key("admin", name="demo")
    print("Demo account 'gzf' loaded (广州某家具制造有限公司). An admin key for trying it:")
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
        bundle = _read_bundle(Path(args.file), args.kind)
    except (ValidationError, csv_bundle.CsvError, json.JSONDecodeError) as e:
        raise SystemExit(f"guanxi import: {e}") from e
    store = _store(args)
    counts = store.import_bundle(bundle, actor="cli", dry_run=args.dry_run)
    print(json.dumps({kind: c.as_json() for kind, c in counts.items() if c.as_json() != {
        "created": 0, "updated": 0, "unchanged": 0}}, ensure_ascii=False, indent=2))


def cmd_export(args: argparse.Namespace) -> None:
    store = _store(args)
    as_of = _moment(args.as_of, "--as-of") if args.as_of else None
    if args.format in DECK_FORMATS and (args.format == "pptx" or args.deck):
        from app.routers.reviews import review_deck
        from scoring.options import ScoringOptions

        data = review_deck(store, ScoringOptions(), args.account, args.format, opportunity_id=args.opportunity,
                           since=args.since, redact=args.redact, lang=args.lang)
    elif args.format == "bundle":
        from graph import history

        bundle = (store.export_account(args.account) if as_of is None
                  else history.export_as_of(store, args.account, as_of))
        data = json.dumps(bundle, ensure_ascii=False, indent=2).encode()
    elif as_of is not None:
        from graph import history
        from rendering import render_map

        data = render_map(history.account_graph_as_of(store, args.account, as_of), args.format,
                          opportunity_id=args.opportunity, redact=args.redact, lang=args.lang)
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

    store = _store(args)
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
    from app.routers.reviews import compare
    from scoring.options import ScoringOptions
    from scoring.results import plain

    store = _store(args)
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
    us = compared.changes.summary.support["us"]
    if us.before is not None or us.after is not None:
        shown = ["—" if v is None else f"{v:+.2f}" for v in (us.before, us.after)]
        print(f"support for us: {shown[0]} → {shown[1]}")


def cmd_keys(args: argparse.Namespace) -> None:
    store = _store(args)
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

    def command(name: str, help: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help)
        p.add_argument("--data-dir", help="embedded store directory (env GUANXI_DATA_DIR, default ./guanxi-data)")
        return p

    for name, help in (("serve", "run the HTTP service"), ("demo", "run the service with a demo account")):
        p = command(name, help)
        p.add_argument("--host", default="127.0.0.1")
        p.add_argument("--port", type=int, default=8000)
        if name == "serve":
            p.add_argument("--demo", action="store_true", help="load the built-in demo account first")
    command("migrate", "apply pending schema migrations")
    p = command("import", "import a bundle (.json) or a CRM export (.csv)")
    p.add_argument("file")
    p.add_argument("--kind", choices=list(csv_bundle.KINDS), help="what the CSV holds")
    p.add_argument("--dry-run", action="store_true")
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
    create_review.add_argument("--data-dir", help=argparse.SUPPRESS)
    list_review = reviews.add_parser("list", help="an account's reviews, newest first")
    list_review.add_argument("account")
    list_review.add_argument("--data-dir", help=argparse.SUPPRESS)
    p = command("changes", "what changed on an account's map since a review or date")
    p.add_argument("account")
    p.add_argument("--since", help="a review id or ISO date (default: the latest review)")
    p.add_argument("--until", help="a review id or ISO date (default: now)")
    p.add_argument("--opportunity", help="only this opportunity's decision-chain changes; its support")
    p.add_argument("--lang", choices=["en", "zh-CN"], default="en")
    p.add_argument("--json", action="store_true", help="the API's JSON answer")
    p = command("keys", "manage API keys")
    keys = p.add_subparsers(dest="keys_command", required=True)
    create = keys.add_parser("create", help="create a key; prints it once, as the last line")
    create.add_argument("--role", choices=ROLES, required=True)
    create.add_argument("--name", help="who or what the key is for")
    create.add_argument("--data-dir", help=argparse.SUPPRESS)
    revoke = keys.add_parser("revoke", help="revoke a key by its id")
    revoke.add_argument("key_id")
    revoke.add_argument("--data-dir", help=argparse.SUPPRESS)
    listing = keys.add_parser("list", help="list keys (ids and roles, never secrets)")
    listing.add_argument("--data-dir", help=argparse.SUPPRESS)
    return top


COMMANDS = {"serve": cmd_serve, "demo": cmd_demo, "migrate": cmd_migrate, "import": cmd_import,
            "export": cmd_export, "keys": cmd_keys, "review": cmd_review, "changes": cmd_changes}


def main(argv: list[str] | None = None) -> None:
    args = parser().parse_args(argv)
    try:
        COMMANDS[args.command](args)
    except StoreError as e:
        raise SystemExit(f"guanxi {args.command}: {e}") from e


if __name__ == "__main__":
    main()
