"""A real IMAP server for tests: Debian's Dovecot (``dovecot-imapd``), run as a subprocess with its
own configuration in a temporary folder. It listens on 127.0.0.1 on a free port without TLS
(plaintext login is allowed on loopback only), keeps one passwd-file user with an app password
and stores mail as maildir in the same folder, running as the current user.

Mail is delivered by writing maildir files (``deliver``), the way a local delivery agent does;
Dovecot picks them up on the next SELECT/NOOP. ``restart`` stops and starts the same server on
the same port (a reconnect test); ``reset_uidvalidity`` makes the mailbox start a new UID
epoch, as a server does after its index is rebuilt."""

from __future__ import annotations

import grp
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

import pytest

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"
START_SECONDS = 20

CONFIG = """\
protocols = imap
listen = 127.0.0.1
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
info_log_path = {root}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = {user}
default_internal_group = {group}
default_login_user = {user}
first_valid_uid = 0
mail_location = maildir:{root}/mail/%u
mail_uid = {uid}
mail_gid = {gid}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/home/%u
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
service stats {{
  unix_listener stats-reader {{
    user = {user}
  }}
  unix_listener stats-writer {{
    user = {user}
  }}
}}
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def employer_mail(sender: str, subject: str, body: str, message_id: str | None = None,
                  to: str = "candidate@example.org", date: datetime | None = None) -> bytes:
    """A plain-text mail as an employer's applicant-tracking system sends it."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(date or datetime.now(UTC))
    message["Message-ID"] = message_id or make_msgid(domain=sender.rsplit("@", 1)[-1].strip(">"))
    message.set_content(body)
    return bytes(message)


@dataclass
class Dovecot:
    root: Path
    port: int
    user: str = "candidate@example.org"
    password: str = field(default_factory=lambda: "app-" + uuid.uuid4().hex[:16])
    process: subprocess.Popen[bytes] | None = None

    @property
    def host(self) -> str:
        return "127.0.0.1"

    @property
    def inbox(self) -> Path:
        return self.root / "mail" / self.user

    def write_config(self) -> Path:
        account = _service_account()
        values = {
            "root": self.root, "port": self.port, "user": account.pw_name,
            "group": grp.getgrgid(account.pw_gid).gr_name, "uid": account.pw_uid, "gid": account.pw_gid,
        }
        for folder in ("run", "state", "mail", "home"):
            (self.root / folder).mkdir(exist_ok=True)
        config = self.root / "dovecot.conf"
        config.write_text(CONFIG.format(**values))
        (self.root / "passwd").write_text(f"{self.user}:{{PLAIN}}{self.password}\n")
        for folder in ("cur", "new", "tmp"):
            (self.inbox / folder).mkdir(parents=True, exist_ok=True)
        if os.getuid() == 0:  # the folder belongs to the account Dovecot runs as
            for path in [self.root, *self.root.rglob("*")]:
                os.chown(path, account.pw_uid, account.pw_gid)
        return config

    def start(self) -> None:
        config = self.write_config()
        self.process = subprocess.Popen([DOVECOT, "-F", "-c", str(config)], stdout=subprocess.DEVNULL,
                                        stderr=subprocess.PIPE, start_new_session=True)
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"dovecot exited: {self.process.stderr.read().decode()[-2000:]}{self.log()}")  # type: ignore[union-attr]
            try:
                with socket.create_connection((self.host, self.port), timeout=1) as probe:
                    if probe.recv(200).startswith(b"* OK"):
                        return
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"dovecot did not start: {self.log()}")

    def stop(self, *, clean: bool = True) -> None:
        """SIGTERM, as a server is stopped (Dovecot takes about a second); ``clean=False``
        kills its whole process group at once, for a server about to be thrown away."""
        if self.process is None:
            return
        if clean:
            self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=10 if clean else 0)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=5)
        self.process = None
        _wait_port_free(self.port)

    def restart(self) -> None:
        self.stop()
        self.start()

    def log(self) -> str:
        path = self.root / "dovecot.log"
        return path.read_text()[-2000:] if path.exists() else ""

    def deliver(self, raw: bytes) -> None:
        """Drop a message into the inbox's ``new/`` folder (write to tmp/, then rename: maildir's rule)."""
        name = f"{time.time_ns()}.{uuid.uuid4().hex}.jobraker-test"
        temporary = self.inbox / "tmp" / name
        temporary.write_bytes(raw)
        if os.getuid() == 0:
            account = _service_account()
            os.chown(temporary, account.pw_uid, account.pw_gid)
        temporary.rename(self.inbox / "new" / name)

    def reset_uidvalidity(self) -> None:
        """A new UID epoch: Dovecot's index and UID list for the mailbox are thrown away, so the
        same messages come back under a new UIDVALIDITY (as after a server-side rebuild)."""
        self.stop()
        for name in os.listdir(self.inbox):
            if name.startswith("dovecot"):
                path = self.inbox / name
                shutil.rmtree(path) if path.is_dir() else path.unlink()
        time.sleep(1.1)  # Dovecot takes the new UIDVALIDITY from the clock (seconds)
        self.start()


def _service_account() -> pwd.struct_passwd:
    """The current user; under root (CI containers) Debian's own ``dovecot`` account, since
    Dovecot's login and mail processes refuse to run as root."""
    if os.getuid() != 0:
        return pwd.getpwuid(os.getuid())
    return pwd.getpwnam("dovecot")


def _wait_port_free(port: int) -> None:
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                time.sleep(0.1)
        except OSError:
            return


def start_dovecot() -> Dovecot:
    server = Dovecot(Path(tempfile.mkdtemp(prefix="jobraker-dovecot-")), free_port())
    server.start()
    return server


def remove(server: Dovecot) -> None:
    server.stop(clean=False)
    shutil.rmtree(server.root, ignore_errors=True)


@pytest.fixture
def dovecot() -> Iterator[Dovecot]:
    """A fresh Dovecot for one test, stopped and removed at its end."""
    if not os.path.exists(DOVECOT):
        pytest.fail("dovecot is not installed: apt-get install -y dovecot-imapd (.ci/run does)")
    server = start_dovecot()
    try:
        yield server
    finally:
        remove(server)
