"""The ``jobraker`` command: every process of the deployment is one of its sub-commands."""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
from collections.abc import Callable

from jobraker.config import ConfigError, Settings, get_settings, skyvern_webhook_problem


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args) or 0)
    except ConfigError as exc:
        print(f"jobraker: error: {exc}", file=sys.stderr)
        return 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="jobraker", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, handler: Callable[[argparse.Namespace], int | None], help: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help, description=help)
        sub.set_defaults(handler=handler)
        return sub

    command("up", cmd_up, "Run everything: embedded PostgreSQL and Redis unless DATABASE_URL/REDIS_URL are set.")
    serve = command("serve", cmd_serve, "Serve the API with gunicorn.")
    serve.add_argument("--workers", type=int, default=2)
    command("migrate", cmd_migrate, "Apply database migrations.")
    projector = command("projector", cmd_projector, "Follow the event log and update the read models.")
    projector.add_argument("--batch-size", type=int, default=500, help="events per transaction")
    command("relay", cmd_relay, "Follow the event log and send messages for events that need a reaction.")
    worker = command("worker", cmd_worker, "Run Dramatiq workers for the actors.")
    worker.add_argument("--processes", type=int, default=1)
    worker.add_argument("--threads", type=int, default=4)
    command("scheduler", cmd_scheduler, "Send periodic messages.")
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
    projections = command("projections", cmd_projections, "Show projection positions and lag, or rebuild one from the log.")
    projections.add_argument("action", choices=["status", "rebuild"])
    projections.add_argument("name", nargs="?", help="projection to rebuild (or 'all')")
    audit = command("audit", cmd_audit, "Verify the hash chain over every stored event.")
    audit.add_argument("action", choices=["verify"])
    command("check", cmd_check, "Validate configuration and reach the database and Redis.")
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
    """Without DATABASE_URL/REDIS_URL, use the servers a running `jobraker up` published."""
    from jobraker.runtime.supervisor import RUNTIME_FILE

    published = settings.data_dir / RUNTIME_FILE
    if not settings.embedded or not published.exists():
        return settings
    for name, url in json.loads(published.read_text()).items():
        os.environ.setdefault(name, url)
    get_settings.cache_clear()
    return get_settings()


def cmd_migrate(args: argparse.Namespace) -> int:
    _ready_settings()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    from jobraker.eventstore.app import get_jobraker

    get_jobraker()  # the recorder creates the event store's tables if they are missing
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


def _follow(projections_path: str, batch_size: int = 500) -> int:
    """Run the projections that ``module:function`` returns until signalled."""
    settings = _ready_settings()
    from django.utils.module_loading import import_string

    from jobraker.eventstore.app import get_jobraker
    from jobraker.projections.base import ProjectionRunner

    from jobraker.audit.chain import extend_chain

    hooks = [extend_chain] if projections_path.endswith("all_projections") else []
    runner = ProjectionRunner(get_jobraker(), import_string(projections_path)(), batch_size=batch_size, after_catch_up=hooks)
    return _until_signalled(lambda stop: runner.run_forever(stop, settings.database_url or ""))


def cmd_projector(args: argparse.Namespace) -> int:
    return _follow("jobraker.projections.registry.all_projections", args.batch_size)


def cmd_relay(args: argparse.Namespace) -> int:
    return _follow("jobraker.workers.relay.relay_projections")


def cmd_worker(args: argparse.Namespace) -> int:
    _webhook_reachable(_ready_settings())
    dramatiq = [
        sys.executable, "-m", "dramatiq", "jobraker.workers.actors",
        "--processes", str(args.processes), "--threads", str(args.threads),
    ]
    os.execv(sys.executable, dramatiq)


def cmd_scheduler(args: argparse.Namespace) -> int:
    _ready_settings()
    from jobraker.workers.scheduler import run_scheduler

    return _until_signalled(run_scheduler)


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
    from jobraker.eventstore.app import get_jobraker
    from jobraker.projections.base import ProjectionRunner
    from jobraker.projections.registry import all_projections

    runner = ProjectionRunner(get_jobraker(), all_projections())
    if args.action == "status":
        print(f"{'projection':<14} {'position':>10} {'head':>10} {'lag (events)':>13} {'lag (s)':>9}")
        for row in runner.status():
            print(f"{row['name']:<14} {row['position']:>10} {row['head']:>10} {row['lag_events']:>13} {row['lag_seconds']:>9.1f}")
        return 0
    names = {p.name: p for p in runner.projections}
    if args.name not in {*names, "all"}:
        raise ConfigError(f"projections rebuild: name one of {', '.join(sorted(names))} or 'all'")
    for projection in names.values() if args.name == "all" else [names[args.name]]:
        _rebuild_with_progress(runner, projection)
    return 0


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
    from jobraker.eventstore.app import get_jobraker

    extend_chain()
    with connection.cursor() as cursor:
        intact, problems = verify(cursor.cursor, get_jobraker().recorder.events_table_name)  # type: ignore[attr-defined]
        cursor.execute("SELECT notification_id, digest FROM jobraker_event_chain ORDER BY notification_id DESC LIMIT 1")
        head = cursor.fetchone()
    for problem in problems:
        print(f"TAMPERED {problem}")
    if head:
        print(f"{intact} events verified; head {head[0]} digest {head[1]} (record it elsewhere to detect a rewritten chain)")
    else:
        print("no events stored yet: nothing to verify")
    return 1 if problems else 0


def cmd_check(args: argparse.Namespace) -> int:
    settings = _ready_settings()
    print(f"configuration ok ({settings.env}); database and Redis reachable")
    return 0


def cmd_manage(args: argparse.Namespace) -> int:
    _ready_settings()
    from django.core.management import execute_from_command_line

    execute_from_command_line(["jobraker manage", *args.arguments])
    return 0
