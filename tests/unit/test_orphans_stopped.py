"""`jobraker up` adopts its descendants' orphans and stops them (runtime/lifetime.py).

A grandchild whose parent exits first (a Dramatiq worker process still starting when its main
process stopped, seen under a loaded test run) would otherwise be handed to init and outlive
`up`. A real process tree is made here: no services.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

import psutil

TREE = textwrap.dedent("""
    import subprocess, sys, time
    from jobraker.runtime.lifetime import adopt_orphans, stop_adopted

    if {adopt}:
        adopt_orphans()
    # A child that starts a grandchild ignoring SIGTERM for a moment, then exits at once.
    grandchild = (
        "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
        "print('ready', flush=True); time.sleep(60)"
    )
    child = subprocess.Popen([sys.executable, "-c",
        "import subprocess, sys; p = subprocess.Popen([sys.executable, '-c', %r], "
        "stdout=sys.stdout, stderr=subprocess.DEVNULL); "
        "print(p.pid, flush=True)" % grandchild], stdout=subprocess.PIPE, text=True)
    pid = int(child.stdout.readline())
    assert child.stdout.readline().strip() == "ready"
    child.wait()
    print(pid, flush=True)
    print(stop_adopted(timeout=1.0), flush=True)
""")


def run_tree(adopt: bool) -> tuple[int, str]:
    done = subprocess.run([sys.executable, "-c", TREE.format(adopt=adopt)], capture_output=True, text=True,
                          timeout=60, check=True)
    pid, stopped = done.stdout.splitlines()[-2:]
    return int(pid), stopped


def test_an_orphaned_grandchild_is_adopted_stopped_and_reaped():
    pid, stopped = run_tree(adopt=True)
    assert stopped == f"[{pid}]"  # it ignored SIGTERM: it was killed after the timeout
    assert not psutil.pid_exists(pid)


def test_without_adoption_the_orphan_would_outlive_its_ancestor():
    """The control: the same tree without a subreaper leaves the grandchild running."""
    pid, stopped = run_tree(adopt=False)
    try:
        assert stopped == "[]"
        assert psutil.Process(pid).is_running()
    finally:
        psutil.Process(pid).kill()
