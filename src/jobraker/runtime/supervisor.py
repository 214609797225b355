"""``jobraker up``: the embedded servers plus every Jobraker process, as children.

Ctrl-C, SIGTERM or SIGHUP stops the children, then Redis and PostgreSQL; their data
stays in the data folder for the next run.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from jobraker.config import Settings, load_settings
from jobraker.runtime import embedded
from jobraker.runtime.connectivity import require_reachable
from jobraker.runtime.lifetime import adopt_orphans, die_with_parent, stop_adopted
from jobraker.runtime.ownership import DataFolderLock
from jobraker.runtime.postgres_sizing import machine_memory

LOGIN_PROJECTOR = "projector-login"
PROCESSES = ("serve", "projector", LOGIN_PROJECTOR, "relay", "worker", "scheduler")
# Children whose command is not their name. The projection login needs (candidates: it writes
# the login account) follows the log in a process of its own, so that no burst of work in the
# other projections (listings, their vectors, timelines) competes with it for one interpreter.
COMMANDS = {
    "projector": ("projector", "--skip", "candidates"),
    LOGIN_PROJECTOR: ("projector", "--only", "candidates"),
}
SKYVERN_SANDBOX = "sandbox-skyvern"
INBOUND_MAIL = "inbound-mail"
RUNTIME_FILE = "runtime.json"
STOP_SECONDS = 10.0
MAX_RESTARTS = 5  # within CRASH_WINDOW seconds, before `up` gives up
CRASH_WINDOW = 60.0
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)  # SIGHUP: the terminal was closed


@dataclass
class Supervisor:
    settings: Settings
    env: dict[str, str] = field(default_factory=lambda: dict(os.environ))
    children: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    services: list[embedded.RunningServer] = field(default_factory=list)
    restarts: dict[str, list[float]] = field(default_factory=dict)
    arguments: dict[str, tuple[str, ...]] = field(default_factory=dict)  # a restarted child gets the same
    stopping: bool = False
    announced: bool = False
    adopting: bool = False  # orphans of our descendants are ours (run() makes this process a subreaper)

    def run(self) -> int:
        self.adopting = adopt_orphans()
        for signum in STOP_SIGNALS:
            signal.signal(signum, self._on_signal)
        try:
            self._start_services()
            require_reachable(load_settings(self.env))
            self._publish_addresses()
            if subprocess.run(self._command("migrate"), env=self.env).returncode != 0:
                return 1
            self._start_skyvern_sandbox()
            self._start_inbound_mail()
            subprocess.run(self._command("boards", "sandbox"), env=self.env)  # the boards' sandbox feeds
            for name in PROCESSES:
                self.children[name] = self._jobraker(name)
            print("waiting for the API to answer and the read models to catch up with the event log ...", flush=True)
            return self._watch()
        except KeyboardInterrupt:
            return 0
        finally:
            self._stop()

    def _start_services(self) -> None:
        data_dir = self.settings.data_dir.resolve()
        self.env["JOBRAKER_DATA_DIR"] = str(data_dir)
        if self.settings.embedded:
            for pid in embedded.stop_leftovers(data_dir):
                print(f"stopped PID {pid}, left running in {data_dir} by a previous `jobraker up`", flush=True)
        if self.settings.database_url is None:
            print(f"starting PostgreSQL (pgvector) in {data_dir / 'postgres'}", flush=True)
            server = embedded.start_postgres(data_dir, memory_bytes=machine_memory())
            self.env["DATABASE_URL"] = server.url
            self.services.append(server)
        if self.settings.redis_url is None:
            print(f"starting Redis in {data_dir / 'redis'}", flush=True)
            server = embedded.start_redis(data_dir)
            self.env["REDIS_URL"] = server.url
            self.services.append(server)

    def _publish_addresses(self) -> None:
        """Let other `jobraker` commands in this data folder find the running servers."""
        path = Path(self.env["JOBRAKER_DATA_DIR"]) / RUNTIME_FILE
        path.write_text(json.dumps({k: self.env[k] for k in ("DATABASE_URL", "REDIS_URL")}))
        path.chmod(0o600)

    def _start_skyvern_sandbox(self) -> None:
        """No SKYVERN_API_KEY: run the Skyvern sandbox and point the API and the workers at it,
        with a key made for this run, so submissions go through the real Skyvern client and
        webhook (labelled "sandbox") instead of the dry-run applier."""
        if self.settings.skyvern_api_key is not None:
            return
        port = _free_port()
        self.env.update(
            SKYVERN_API_KEY=secrets.token_urlsafe(32),
            SKYVERN_BASE_URL=f"http://127.0.0.1:{port}",
            JOBRAKER_SKYVERN_SANDBOX="true",
        )
        host = "127.0.0.1" if self.settings.host in ("0.0.0.0", "::") else self.settings.host
        self.env.setdefault("JOBRAKER_PUBLIC_URL", f"http://{host}:{self.settings.port}")  # where webhooks go
        self.children[SKYVERN_SANDBOX] = self._jobraker(SKYVERN_SANDBOX, "--port", str(port), "--allow-private-hosts")
        _wait_until_listening(port, self.children[SKYVERN_SANDBOX])
        print(f"Skyvern: sandbox at {self.env['SKYVERN_BASE_URL']} (no SKYVERN_API_KEY; nothing is sent to employers)",
              flush=True)

    def _start_inbound_mail(self) -> None:
        """The SMTP server of candidates' forwarding addresses, on a free loopback port unless
        JOBRAKER_INBOUND_SMTP_PORT names one (the sandbox employers reply through it)."""
        port = self.settings.inbound_smtp_port or _free_port()
        self.env["JOBRAKER_INBOUND_SMTP_PORT"] = str(port)
        self.children[INBOUND_MAIL] = self._jobraker(INBOUND_MAIL)  # not waited for: a reply sent early is retried
        print(f"forwarding addresses: SMTP on {self.settings.inbound_smtp_host}:{port} "
              f"(@{self.settings.inbound_mail_domain})", flush=True)

    def _command(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "jobraker", *args]

    def _jobraker(self, name: str, *args: str) -> subprocess.Popen[bytes]:
        args = self.arguments.setdefault(name, args)
        return subprocess.Popen(
            self._command(*COMMANDS.get(name, (name,)), *args), env=self.env, start_new_session=True,
            preexec_fn=die_with_parent,
        )

    def _announce_when_ready(self) -> None:
        """The banner comes once the API answers ready with every read model at the log's head
        (the first catch-up done, the embedding model loaded): not while requests would fail."""
        if not self.announced and _serving(self._local_base()):
            self.announced = True
            self._announce()

    def _local_base(self) -> str:
        host = "127.0.0.1" if self.settings.host in ("0.0.0.0", "::") else self.settings.host
        return f"http://{host}:{self.settings.port}"

    def _announce(self) -> None:
        base = f"http://{self.settings.host}:{self.settings.port}"
        print(
            f"\nJobraker is up (data in {self.env['JOBRAKER_DATA_DIR']})\n"
            f"  API       {base}/api/v1/\n"
            f"  API docs  {base}/api/docs/\n"
            f"  admin     {base}/admin/\n"
            f"  health    {base}/health/ready\n"
            "Press Ctrl-C to stop.\n",
            flush=True,
        )

    def _watch(self) -> int:
        """Restart a process that exits (it lost Redis, say); give up when one keeps crashing."""
        while not self.stopping:
            for name, child in list(self.children.items()):
                if child.poll() is None:
                    continue
                self.restarts[name] = [t for t in self.restarts.get(name, []) if t > time.monotonic() - CRASH_WINDOW]
                if len(self.restarts[name]) >= MAX_RESTARTS:
                    print(f"jobraker: {name} keeps exiting (code {child.returncode}); stopping", file=sys.stderr)
                    return 1
                print(f"jobraker: {name} exited with code {child.returncode}; restarting it", file=sys.stderr)
                self.restarts[name].append(time.monotonic())
                self.children[name] = self._jobraker(name)
            self._announce_when_ready()
            time.sleep(0.5)
        return 0

    def _on_signal(self, signum: int, frame: object) -> None:
        self.stopping = True

    def _stop(self) -> None:
        for child in self.children.values():
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_SECONDS
        for child in self.children.values():
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
        for server in reversed(self.services):
            server.stop()
        if self.adopting:
            stop_adopted()  # grandchildren whose parent exited before them (nothing outlives `up`)
        (Path(self.env.get("JOBRAKER_DATA_DIR", ".")) / RUNTIME_FILE).unlink(missing_ok=True)
        if self.children or self.services:
            print("jobraker: stopped", flush=True)


def _serving(base: str) -> bool:
    """/health/ready answers 200 and no read model trails the log (projections status' lag is 0)."""
    import httpx

    from jobraker.tls import tls_context

    try:
        answer = httpx.get(f"{base}/health/ready", timeout=2, verify=tls_context())
        return answer.status_code == 200 and answer.json().get("projection_lag") == 0
    except (httpx.HTTPError, ValueError):
        return False


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_until_listening(port: int, child: subprocess.Popen[bytes], within: float = 15.0) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline and child.poll() is None:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"the Skyvern sandbox did not start listening on port {port}")


def up(settings: Settings) -> int:
    """Run everything, as the only owner of the data folder (a second `up` refuses before touching it)."""
    lock = DataFolderLock(settings.data_dir)
    lock.acquire()
    try:
        return Supervisor(settings).run()
    finally:
        lock.release()
