"""The ``jobraker`` command: every process of the deployment is one of its sub-commands."""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from jobraker.components import Components, Followed, components
from jobraker.config import ConfigError, Settings, get_settings, skyvern_webhook_problem

STAFF_PASSWORD_VARIABLE = "JOBRAKER_STAFF_PASSWORD"  # read by `jobraker createstaff`

CLOSED_PIPE = 141  # what a shell reports for a program that SIGPIPE stopped
PIPED_WIDTH = 400

# Every actor is safe to run again (at-most-once submission holds a lease), so a message cut off
# at shutdown is delivered again rather than waited for: Dramatiq's 10 minutes kept a worker
# embedding a minute's batch alive long after a SIGKILLed `jobraker up` and its Redis were gone.
SHUTDOWN_SECONDS = 15.0


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "data_dir", None):
        os.environ["JOBRAKER_DATA_DIR"] = str(Path(args.data_dir).resolve())
        get_settings.cache_clear()
    try:
        code = int(args.handler(args) or 0)
        sys.stdout.flush()  # a closed pipe shows here at the latest, while we can still catch it
        return code
    except ConfigError as exc:
        print(f"jobraker: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        # The reader went away (`| head`): the rest is not wanted. Point stdout at /dev/null so
        # that the interpreter's final flush does not fail again and print a traceback.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return CLOSED_PIPE


def build_parser() -> argparse.ArgumentParser:
    data_dir = argparse.ArgumentParser(add_help=False)
    data_dir.add_argument("--data-dir", default=argparse.SUPPRESS, metavar="PATH",
                          help="the data folder of the `jobraker up` to use (default JOBRAKER_DATA_DIR, else .jobraker)")
    parser = argparse.ArgumentParser(prog="jobraker", description=__doc__, parents=[data_dir])
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, handler: Callable[[argparse.Namespace], int | None], help: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help, description=help, parents=[data_dir])
        sub.set_defaults(handler=handler)
        return sub

    command("up", cmd_up, "Run everything: embedded PostgreSQL and Redis unless DATABASE_URL/REDIS_URL are set.")
    serve = command("serve", cmd_serve, "Serve the API with gunicorn.")
    serve.add_argument("--workers", type=int, default=2)
    command("migrate", cmd_migrate, "Apply database migrations.")
    projector = command("projector", cmd_projector, "Follow the event log and update the read models.")
    projector.add_argument("--batch-size", type=int, default=500, help="events per transaction")
    chosen = projector.add_mutually_exclusive_group()
    chosen.add_argument("--only", default="", metavar="NAMES", help="only these projections (comma-separated): "
                        "`jobraker up` runs the one login needs (candidates) in a process of its own")
    chosen.add_argument("--skip", default="", metavar="NAMES", help="every projection but these (comma-separated)")
    command("relay", cmd_relay, "Follow the event log and send messages for events that need a reaction.")
    worker = command("worker", cmd_worker, "Run Dramatiq workers for the actors.")
    worker.add_argument("--processes", type=int, default=1)
    worker.add_argument("--threads", type=int, default=4)
    worker.add_argument("--shutdown-seconds", type=float, default=SHUTDOWN_SECONDS,
                        help="on SIGTERM, how long messages in progress may take to finish before the worker exits "
                             "(the broker delivers an unfinished one again; Dramatiq's own default is 10 minutes)")
    command("scheduler", cmd_scheduler, "Send periodic messages.")
    inbound = command("inbound-mail", cmd_inbound_mail, "Receive mail for candidates' forwarding addresses over SMTP "
                      "(JOBRAKER_INBOUND_SMTP_HOST/PORT; `jobraker up` runs it on a loopback port).")
    inbound.add_argument("--port", type=int, default=None, help="default JOBRAKER_INBOUND_SMTP_PORT")
    sandbox = command("sandbox-skyvern", cmd_sandbox_skyvern,
                      "Run the Skyvern sandbox (what `jobraker up` runs without SKYVERN_API_KEY): Skyvern's API and "
                      "signed webhooks, nothing sent to any employer.")
    sandbox.add_argument("--host", default="127.0.0.1")
    sandbox.add_argument("--port", type=int, default=8010)
    sandbox.add_argument("--allow-private-hosts", action="store_true",
                         help="accept loopback/private job and webhook URLs (real Skyvern refuses them with 400; "
                              "`jobraker up` sets this, its webhook being on 127.0.0.1)")
    sandbox.add_argument("--delay", type=float, default=None, help="seconds before a run finishes "
                         "(default JOBRAKER_SANDBOX_SKYVERN_DELAY)")
    projections = command("projections", cmd_projections, "Show projection positions, lag and parked events; "
                          "rebuild one from the log; or retry its parked events after a fix.")
    projections.add_argument("action", choices=["status", "rebuild", "retry"])
    projections.add_argument("name", nargs="?", help="projection to rebuild or retry (or 'all')")
    audit = command("audit", cmd_audit, "Verify the hash chain over every stored event.")
    audit.add_argument("action", choices=["verify"])
    keys = command("keys", cmd_keys, "Key-encryption keys: rotate them now, show their state, or (with "
                   "JOBRAKER_KEKS) print the variable's value with a new KEK added.")
    keys.add_argument("action", choices=["rotate", "status", "add"])
    keys.add_argument("--batch-size", type=int, default=500, help="subject keys re-wrapped per transaction")
    privacy = command("privacy", cmd_privacy, "Seal personal fields that a version before issue 12 stored in "
                      "plaintext in the event log (run once; writers wait while it runs; see docs/security.md).")
    privacy.add_argument("action", choices=["migrate"])
    boards = command("boards", cmd_boards, "Employers' job boards (Greenhouse, Lever, Ashby): list the followed "
                     "ones, follow or unfollow one by its token, or follow the sandbox boards (what `up` does).")
    boards.add_argument("action", choices=["list", "follow", "unfollow", "sandbox"])
    boards.add_argument("source", nargs="?", choices=["greenhouse", "lever", "ashby"])
    boards.add_argument("token", nargs="?", help="the board's name in its URL, e.g. boards.greenhouse.io/<token>")
    boards.add_argument("--company", default="", help="the company's name, shown when the API does not give it")
    rates = command("rates", cmd_rates, "Reference exchange rates that salary floors are compared with: show the "
                    "table in force, or import a newer one from a file (no network needed).")
    rates.add_argument("action", choices=["show", "refresh"])
    rates.add_argument("--file", metavar="PATH", help="refresh: the ECB's eurofxref.csv or eurofxref-hist.csv "
                       "(https://www.ecb.europa.eu/stats/eurofxref/eurofxref.zip), or a JSON table shaped like the "
                       "shipped jobraker/matching/data/reference_rates.json")
    command("check", cmd_check, "Validate configuration and reach the database and Redis.")
    createstaff = command("createstaff", cmd_createstaff, "Create a staff or auditor account. The password is "
                          f"read from {STAFF_PASSWORD_VARIABLE} or asked for twice; it is never an argument.")
    createstaff.add_argument("email")
    createstaff.add_argument("--role", choices=["staff", "auditor"], default="staff",
                             help="staff: reads everything, acts through commands, opens the admin; auditor: reads only")
    createstaff.add_argument("--superuser", action="store_true", help="staff with every admin permission")
    manage = command("manage", cmd_manage, "Run a Django management command (e.g. createsuperuser).")
    manage.add_argument("arguments", nargs=argparse.REMAINDER)
    return parser


def command_names() -> set[str]:
    parser = build_parser()
    subparsers = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return set(subparsers.choices)


def cmd_up(args: argparse.Namespace) -> int:
    from jobraker.runtime.supervisor import up

    return up(_webhook_reachable(get_settings()))


def _webhook_reachable(settings: Settings) -> Settings:
    """Refuse to start (one line) when Skyvern could not send its webhooks back."""
    problem = skyvern_webhook_problem(settings)
    if problem:
        raise ConfigError(problem)
    return settings


def _ready_settings() -> Settings:
    """Settings of a process that needs the database and Redis: both must be given and reachable."""
    from jobraker.runtime.connectivity import require_reachable

    settings = _with_running_embedded_servers(get_settings())
    require_reachable(settings)
    from jobraker.bootstrap import setup_django

    setup_django()
    return settings


def _with_running_embedded_servers(settings: Settings) -> Settings:
    """Without DATABASE_URL/REDIS_URL, use the servers the `jobraker up` running on the data
    folder published (only while it runs: a dead one's addresses lead nowhere)."""
    from jobraker.runtime.ownership import is_owned
    from jobraker.runtime.supervisor import RUNTIME_FILE

    if not settings.embedded:
        return settings
    data_dir = settings.data_dir.resolve()
    published = data_dir / RUNTIME_FILE
    if not (is_owned(data_dir) and published.exists()):
        raise ConfigError(
            f"no `jobraker up` is running on data folder {data_dir}: start one, point at its folder with "
            "--data-dir or JOBRAKER_DATA_DIR, or set DATABASE_URL and REDIS_URL"
        )
    for name, url in json.loads(published.read_text()).items():
        os.environ.setdefault(name, url)
    get_settings.cache_clear()
    return get_settings()


def cmd_migrate(args: argparse.Namespace) -> int:
    _ready_settings()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    components().event_store  # noqa: B018  (building it creates the event store's tables if they are missing)
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    settings = _webhook_reachable(_ready_settings())
    gunicorn = [
        sys.executable, "-m", "gunicorn", "jobraker.wsgi:application",
        "--bind", f"{settings.host}:{settings.port}",
        "--workers", str(args.workers),
        "--config", "python:jobraker.gunicorn_conf",
        "--no-control-socket",
        "--graceful-timeout", "5",
    ]
    os.execv(sys.executable, gunicorn)


def _until_signalled(run: Callable[[threading.Event], None]) -> int:
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    run(stop)
    return 0


def _follow(choose: Callable[[Components], Followed], batch_size: int = 500, only: str = "", skip: str = "") -> int:
    """Run the projections ``choose`` picks from the composition root, with its after-catch-up
    hooks (``only`` those projections, or all but ``skip``: comma-separated names) until
    signalled. ``choose`` runs once Django is set up."""
    settings = _ready_settings()
    from jobraker.projections.base import ProjectionRunner

    parts = components()
    projections, hooks = choose(parts)
    names = {p.name for p in projections}
    wanted, unwanted = _names(only), _names(skip)
    if not (wanted | unwanted) <= names:
        raise ConfigError(f"projector: no projection named {', '.join(sorted((wanted | unwanted) - names))}")
    projections = [p for p in projections if (not wanted or p.name in wanted) and p.name not in unwanted]
    # The hooks (the hash chain) run in the projector that runs the rest, not in a --only one.
    runner = ProjectionRunner(parts.event_store, projections, batch_size=batch_size,
                              after_catch_up=[] if wanted else hooks)
    return _until_signalled(lambda stop: runner.run_forever(stop, settings.database_url or ""))


def _names(listed: str) -> set[str]:
    return {name.strip() for name in listed.split(",") if name.strip()}


def cmd_projector(args: argparse.Namespace) -> int:
    return _follow(Components.read_models, args.batch_size, args.only, args.skip)


def cmd_relay(args: argparse.Namespace) -> int:
    return _follow(Components.relay)


def cmd_worker(args: argparse.Namespace) -> int:
    _webhook_reachable(_ready_settings())
    os.execv(sys.executable, [sys.executable, *dramatiq_arguments(args.processes, args.threads, args.shutdown_seconds)])


def dramatiq_arguments(processes: int, threads: int, shutdown_seconds: float) -> list[str]:
    """Dramatiq's command line for ``jobraker worker`` (after the interpreter)."""
    return ["-m", "dramatiq", "jobraker.workers.process", "--processes", str(processes), "--threads", str(threads),
            "--worker-shutdown-timeout", str(round(shutdown_seconds * 1000))]


def cmd_scheduler(args: argparse.Namespace) -> int:
    _ready_settings()
    from jobraker.workers.scheduler import run_scheduler

    return _until_signalled(run_scheduler)


def cmd_inbound_mail(args: argparse.Namespace) -> int:
    settings = _ready_settings()
    port = settings.inbound_smtp_port if args.port is None else args.port
    if not port:
        raise ConfigError("JOBRAKER_INBOUND_SMTP_PORT: set the port to receive forwarded mail on")
    from jobraker.inbox.inbound_smtp import serve

    return _until_signalled(lambda stop: serve(settings.inbound_smtp_host, port, stop))


def cmd_sandbox_skyvern(args: argparse.Namespace) -> int:
    settings = get_settings()
    if settings.skyvern_api_key is None:
        raise ConfigError("SKYVERN_API_KEY: set the key the sandbox accepts and signs webhooks with")
    from jobraker.appliers.sandbox import serve
    from jobraker.logs import configure_logging

    configure_logging(settings.log_level)
    delay = settings.sandbox_skyvern_delay if args.delay is None else args.delay
    key = settings.skyvern_api_key.get_secret_value()
    return _until_signalled(lambda stop: serve(key, args.host, args.port, delay, stop,
                                                    allow_private_hosts=args.allow_private_hosts))


def cmd_projections(args: argparse.Namespace) -> int:
    _ready_settings()
    from jobraker.projections.base import ProjectionRunner

    parts = components()
    runner = ProjectionRunner(parts.event_store, parts.read_models()[0])
    relay = ProjectionRunner(parts.event_store, parts.relay()[0])  # status and retry, never rebuilt
    if args.action == "status":
        _print_status(runner.status() + relay.status())
        return 0
    if args.action == "retry":
        runner = ProjectionRunner(parts.event_store, [*runner.projections, *relay.projections])
    names = {p.name: p for p in runner.projections}
    if args.name not in {*names, "all"}:
        raise ConfigError(f"projections {args.action}: name one of {', '.join(sorted(names))} or 'all'")
    chosen = names.values() if args.name == "all" else [names[args.name]]
    if args.action == "retry":
        return _retry_parked(runner, chosen)
    for projection in chosen:
        _rebuild_with_progress(runner, projection)
    return 0


def _print_status(rows: list[dict]) -> None:
    print_table(
        ["projection", "position", "head", "lag (events)", "lag (s)", "parked", "state"],
        [[row["name"], row["position"], row["head"], row["lag_events"], f"{row['lag_seconds']:.1f}", row["parked"],
          _state(row)] for row in rows],
    )
    _print_parked([row["name"] for row in rows])


def _state(row: dict) -> str:
    state = "ok" if row["failing_at"] is None else (
        f"failing on event {row['failing_at']} ({row['attempts']} attempts): {row['last_error']}")
    return state + _vectors_pending_note() if row["name"] == "vectors" else state


def _vectors_pending_note() -> str:
    """What the vectors projection recorded and the worker has not embedded yet."""
    from jobraker.projections.embedder import vectors_pending

    pending = vectors_pending()
    if not pending["count"]:
        return ""
    return f"; {pending['count']} to embed by the worker (oldest {pending['oldest_seconds']:.0f} s)"


def _print_parked(names: list[str]) -> None:
    from jobraker.projections.failures import open_parked

    parked = list(open_parked(names))
    if not parked:
        return
    print(f"\nparked events ({len(parked)}): `jobraker projections retry NAME` applies them again after a fix")
    for event in parked:
        print(f"  {event.projection:<14} event {event.notification_id} {event.topic} {event.originator_id} "
              f"v{event.originator_version}, {event.attempts} attempts, {event.parked_at:%Y-%m-%d %H:%M:%S}Z: "
              f"{event.error_class}: {event.error_message}")


def _retry_parked(runner: object, projections: object) -> int:
    still = 0
    for projection in projections:  # type: ignore[attr-defined]
        resolved, remaining = runner.retry_parked(projection)  # type: ignore[attr-defined]
        still += remaining
        print(f"{projection.name}: {resolved} parked event(s) applied, {remaining} still parked")
    return 1 if still else 0


def print_table(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
    """Aligned columns (numbers to the right), plain text when piped."""
    from rich import box
    from rich.console import Console
    from rich.table import Table

    rows = [list(row) for row in rows]
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    for i, header in enumerate(headers):
        numeric = bool(rows) and all(isinstance(row[i], int | float) or _looks_numeric(row[i]) for row in rows)
        table.add_column(header, justify="right" if numeric else "left", no_wrap=numeric)
    for row in rows:
        table.add_row(*(str(cell) for cell in row))
    console = Console()
    if not console.is_terminal:
        console.width = PIPED_WIDTH  # a pipe or file has no width: keep each row on one line
    console.print(table)


def _looks_numeric(cell: object) -> bool:
    try:
        float(str(cell))
        return True
    except ValueError:
        return False


def _rebuild_with_progress(runner: object, projection: object) -> None:
    from tqdm import tqdm

    with tqdm(desc=f"rebuild {projection.name}", unit=" events", unit_scale=True, file=sys.stderr) as bar:

        def progress(done: int, head: int) -> None:
            bar.total = head
            bar.update(done - bar.n)

        applied = runner.rebuild(projection, progress)  # type: ignore[attr-defined]
    print(f"{projection.name}: rebuilt from {applied} events")  # type: ignore[attr-defined]


def cmd_audit(args: argparse.Namespace) -> int:
    _ready_settings()
    from django.db import connection

    from jobraker.audit.chain import extend_chain, verify
    extend_chain()
    with connection.cursor() as cursor:
        intact, problems = verify(cursor.cursor, components().event_store.recorder.events_table_name)  # type: ignore[attr-defined]
        cursor.execute("SELECT notification_id, digest FROM jobraker_event_chain ORDER BY notification_id DESC LIMIT 1")
        head = cursor.fetchone()
    for problem in problems:
        print(f"TAMPERED {problem}")
    if head:
        print(f"{intact} events verified; head {head[0]} digest {head[1]} (record it elsewhere to detect a rewritten chain)")
    else:
        print("no events stored yet: nothing to verify")
    return 1 if problems else 0


def cmd_keys(args: argparse.Namespace) -> int:
    settings = get_settings()
    if args.action == "add":
        return _print_keks_with_a_new_one(settings)
    _ready_settings()
    from jobraker.privacy.models import Kek, SubjectKey

    keyring = components().event_store.keyring
    if args.action == "rotate":
        from jobraker.privacy.rotation import rotate_keks

        rotation = rotate_keks(keyring, keyring.kek_source, args.batch_size)
        if rotation is None:
            print("another rotation is running; nothing done")
            return 1
        print(f"KEK #{rotation.kek_id} is current: {rotation.rewrapped} subject keys re-wrapped, "
              f"KEKs destroyed: {', '.join(f'#{i}' for i in rotation.retired) or 'none'}")
        if not keyring.kek_source.writable and rotation.retired:
            print(f"now remove {', '.join(f'#{i}' for i in rotation.retired)} from JOBRAKER_KEKS in the secret "
                  "manager (and its stored versions), then restart every process")
        return 0
    from django.db.models import Count

    keks = keyring.reload_keks()
    in_use = dict(SubjectKey.objects.values_list("kek_id").annotate(n=Count("subject_id")))
    print(f"current KEK #{keks.current}; KEKs held: {', '.join(f'#{i}' for i in sorted(keks.keys))}")
    for kek in Kek.objects.order_by("id"):
        print(f"  #{kek.id} created {kek.created_at:%Y-%m-%d %H:%M} UTC, wraps {in_use.get(kek.id, 0)} subject keys")
    return 0


def _print_keks_with_a_new_one(settings: Settings) -> int:
    """Production rotation, step 1: the value to store as JOBRAKER_KEKS (printed, never logged)."""
    from jobraker.privacy.keks import Keks, format_keks, new_kek, parse_keks

    if settings.keks is None:
        raise ConfigError("keys add: JOBRAKER_KEKS is not set (without it, `jobraker keys rotate` makes the KEK itself)")
    keks = parse_keks(settings.keks.get_secret_value())
    print(format_keks(Keks(keks.current + 1, {**keks.keys, keks.current + 1: new_kek()})))
    return 0


def cmd_privacy(args: argparse.Namespace) -> int:
    _ready_settings()
    from tqdm import tqdm

    from jobraker.privacy.plaintext_migration import migrate_plaintext
    from jobraker.privacy.vacuum import vacuum

    with tqdm(desc="privacy migrate", unit=" events", unit_scale=True, file=sys.stderr) as bar:

        def progress(done: int, total: int) -> None:
            bar.total = total
            bar.update(done - bar.n)

        migration = migrate_plaintext(components().event_store, progress)
    if not migration.rewritten:
        print(f"{migration.scanned} events with personal fields read: none held plaintext; nothing changed")
        return 0
    vacuum([components().event_store.recorder.events_table_name])  # type: ignore[attr-defined]
    print(f"{len(migration.rewritten)} of {migration.scanned} events re-sealed "
          f"({len(migration.erased_subjects)} of erased candidates, replaced by unopenable bytes); "
          f"hash chain head was {migration.old_head}, is now {migration.new_head} (recorded in jobraker_chain_rewrites); "
          "events table vacuumed")
    return 0


def cmd_boards(args: argparse.Namespace) -> int:
    _ready_settings()
    from jobraker.sources.boards.following import follow, follow_sandbox_boards, unfollow
    from jobraker.sources.models import FollowedBoard
    from jobraker.workers.actors import ingest_board

    if args.action == "list":
        rows = FollowedBoard.objects.order_by("source", "token")
        print_table(["source", "token", "company", "listings", "last fetched", "last error"], [
            [b.source, b.token, b.company, b.listings, f"{b.last_fetched_at:%Y-%m-%d %H:%M}" if b.last_fetched_at else "never",
             b.last_error or "-"] for b in rows])
        return 0
    if args.action == "sandbox":
        follow_sandbox_boards()
        boards = list(FollowedBoard.objects.filter(token__startswith="sandbox-").values_list("source", "token"))
    else:
        if not (args.source and args.token):
            raise ConfigError(f"boards {args.action}: give the source and the board's token")
        if args.action == "unfollow":
            print("unfollowed" if unfollow(args.source, args.token) else "not followed")
            return 0
        try:
            follow(args.source, args.token, args.company or args.token, by="cli")
        except ValueError as exc:
            raise ConfigError(f"boards follow: {exc}") from None
        boards = [(args.source, args.token)]
    for source, token in boards:
        ingest_board.send(source, token)  # fetched now, then with every scheduled run
    print(f"following {len(boards)} board(s); fetching now")
def cmd_rates(args: argparse.Namespace) -> int:
    _ready_settings()
    from jobraker.matching.currency import RatesError, parse_file
    from jobraker.matching.rates import current_rates, forget, store

    if args.action == "refresh":
        if not args.file:
            raise ConfigError("rates refresh: name the file to import with --file")
        path = Path(args.file)
        try:
            imported = parse_file(path.name, path.read_text("utf-8-sig"))
        except (OSError, RatesError) as exc:
            print(f"jobraker: error: {path}: {exc}", file=sys.stderr)
            return 1
        created = store(imported)
        print(f"{'imported' if created else 'replaced'} {len(imported.rates)} rates of {imported.published_on} "
              f"({imported.source})")
    forget()
    in_force = current_rates()
    print(f"in force: {in_force.describe()}, {len(in_force.rates)} currencies per 1 {in_force.base}")
    if args.action == "show":
        print_table(["currency", f"per 1 {in_force.base}"], sorted(in_force.rates.items()))
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    settings = _ready_settings()
    print(f"configuration ok ({settings.env}); database and Redis reachable")
    return 0


def cmd_createstaff(args: argparse.Namespace) -> int:
    _ready_settings()
    from jobraker.accounts.operators import OperatorRefused, create_operator

    # Never a command-line argument: those are visible to every user in `ps` and kept in shell history.
    password = os.environ.get(STAFF_PASSWORD_VARIABLE) or _ask_password()
    if password is None:
        print("jobraker: error: the two passwords differ", file=sys.stderr)
        return 1
    try:
        account = create_operator(args.email, args.role, password, superuser=args.superuser)
    except OperatorRefused as exc:
        print(f"jobraker: error: {exc}", file=sys.stderr)
        return 1
    print(f"created {account.role} account {account.id}")
    return 0


def _ask_password() -> str | None:
    import getpass

    password = getpass.getpass("Password: ")
    return password if getpass.getpass("Password (again): ") == password else None


def cmd_manage(args: argparse.Namespace) -> int:
    _ready_settings()
    from django.core.management import execute_from_command_line

    execute_from_command_line(["jobraker manage", *args.arguments])
    return 0
