"""`jobraker worker` bounds how long Dramatiq waits for messages in progress when it is stopped."""

from __future__ import annotations

from dramatiq.cli import make_argument_parser

from jobraker.cli import SHUTDOWN_SECONDS, build_parser, dramatiq_arguments


def dramatiq_reads(argv: list[str]):  # type: ignore[no-untyped-def]
    """What Dramatiq's own command line makes of ours (after ``-m dramatiq``)."""
    assert argv[:2] == ["-m", "dramatiq"]
    return make_argument_parser().parse_args(argv[2:])


def test_the_worker_waits_its_shutdown_seconds_not_dramatiqs_ten_minutes():
    args = build_parser().parse_args(["worker"])
    read = dramatiq_reads(dramatiq_arguments(args.processes, args.threads, args.shutdown_seconds))
    assert read.worker_shutdown_timeout == SHUTDOWN_SECONDS * 1000 < make_argument_parser().parse_args(
        ["jobraker.workers.process"]).worker_shutdown_timeout
    assert (read.processes, read.threads, read.broker) == (1, 4, "jobraker.workers.process")


def test_the_shutdown_seconds_can_be_set():
    args = build_parser().parse_args(["worker", "--shutdown-seconds", "2.5", "--processes", "3"])
    read = dramatiq_reads(dramatiq_arguments(args.processes, args.threads, args.shutdown_seconds))
    assert (read.worker_shutdown_timeout, read.processes) == (2500, 3)
