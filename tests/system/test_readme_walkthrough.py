"""The README's walk-through runs as written (issue 16, item 6): every ```sh block under
"## Walk-through with curl" (its subsections included), in order, as one shell session,
against a real `jobraker up` (the Skyvern sandbox, the sandbox feed) with a loopback
OpenAI-compatible chat model, from a folder where `.jobraker/` is the data folder and
`.venv/bin/jobraker` the command, as after the README's install steps.

A block preceded by ``<!-- walkthrough: skip -->`` is not run. The only change to the text is
the port (a free one instead of 8000). Every curl's status is recorded: none may be 5xx, and a
4xx only where the README says the step answers it.

It runs in tests/system/test_up.py, against the `up` that test starts from nothing in such a
folder (one start serves both: about 20 s of CPU less); this module builds the script, runs it
and checks what it printed."""

from __future__ import annotations

import os
import re
import stat
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HEADING = "## Walk-through with curl"
SKIP = "<!-- walkthrough: skip -->"
# (method, path pattern, status) the README shows on purpose.
EXPECTED_ERRORS = [("POST", r"/applications/[0-9a-f-]+/transitions$", 409)]

# Each curl reports its status on stderr; a stream ended by --max-time is not a failure.
PRELUDE = """set -eo pipefail
curl() {
  local rc=0
  command curl -w '%{stderr}STATUS %{http_code} %{method} %{url_effective}\\n' "$@" || rc=$?
  [ "$rc" -eq 28 ] && return 0
  return "$rc"
}
"""


def walkthrough_blocks(readme: str) -> list[str]:
    start = readme.index(HEADING)
    end = readme.find("\n## ", start + len(HEADING))
    section = readme[start:end if end > 0 else None]
    blocks = re.findall(r"(<!-- walkthrough: skip -->\s*)?```sh\n(.*?)```", section, re.DOTALL)
    return [body for skip, body in blocks if not skip]


def test_the_walkthrough_is_found_in_order_and_a_block_can_opt_out():
    readme = (ROOT / "README.md").read_text()
    blocks = walkthrough_blocks(readme)
    assert blocks[0].startswith("API=localhost:8000/api/v1")
    assert any("createstaff" in b for b in blocks)
    joined = "\n".join(blocks)
    assert joined.index("/exports") < joined.index("/erasure")  # export before erasure
    fake = f"{HEADING}\n```sh\necho one\n```\n{SKIP}\n```sh\necho two\n```\n```python\nthree\n```\n## Next\n```sh\nfour\n```"
    assert walkthrough_blocks(fake) == ["echo one\n"]


def command_shim(folder: Path) -> None:
    """``.venv/bin/jobraker`` in the folder: this checkout's command with this interpreter."""
    shim = folder / ".venv" / "bin" / "jobraker"
    shim.parent.mkdir(parents=True)
    shim.write_text(f'#!/bin/sh\nexec {sys.executable} -m jobraker "$@"\n')
    shim.chmod(shim.stat().st_mode | stat.S_IXUSR)


def clean_env(**extra: str) -> dict[str, str]:
    """No test-run servers: `up` starts its own, and the commands find them from the folder."""
    env = {k: v for k, v in os.environ.items()
           if k not in {"DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE", "JOBRAKER_DATA_DIR"}}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "src"), *filter(None, [env.get("PYTHONPATH")])])
    return {**env, **extra}


def unexpected(statuses: list[tuple[int, str, str]]) -> list[tuple[int, str, str]]:
    wrong, allowed = [], list(EXPECTED_ERRORS)
    for status, method, url in statuses:
        if status < 400:
            continue
        match = next((e for e in allowed if e[0] == method and e[2] == status and re.search(e[1], url)), None)
        if match is None:
            wrong.append((status, method, url))
        else:
            allowed.remove(match)
    return wrong


def run_walkthrough(folder: Path, up_log: Path) -> subprocess.CompletedProcess[str]:
    """The script, with a report of the step it stopped at if it runs out of time."""
    try:
        return subprocess.run(["bash", "-x", "walkthrough.sh"], cwd=folder, env=clean_env(), capture_output=True,
                              text=True, timeout=600, check=False)
    except subprocess.TimeoutExpired as stuck:
        err = stuck.stderr.decode(errors="replace") if isinstance(stuck.stderr, bytes) else (stuck.stderr or "")
        raise AssertionError(f"the walk-through ran out of time; its last steps:\n{err[-3000:]}\n"
                             f"jobraker up's last lines:\n{up_log.read_text(errors='replace')[-6000:]}") from None


def write_walkthrough(folder: Path, port: int) -> None:
    """The walk-through as one script, ``walkthrough.sh`` in ``folder`` (with its
    ``.venv/bin/jobraker``), for an `up` on ``port``."""
    command_shim(folder)
    script = PRELUDE + "\n".join(walkthrough_blocks((ROOT / "README.md").read_text()))
    (folder / "walkthrough.sh").write_text(script.replace("localhost:8000", f"127.0.0.1:{port}"))


def check_walkthrough(run: subprocess.CompletedProcess[str], folder: Path, answer: str) -> None:
    """Every step ran, none answered an error the README does not show, the assistant's
    ``answer`` streamed, an application was submitted and the export was downloaded."""
    statuses = [(int(m[0]), m[1], m[2]) for m in re.findall(r"^STATUS (\d+) (\S+) (\S+)$", run.stderr, re.MULTILINE)]
    report = f"exit {run.returncode}\nstdout:\n{run.stdout[-4000:]}\nstderr:\n{run.stderr[-4000:]}"
    assert run.returncode == 0, report
    assert len(statuses) > 40, report  # every step ran
    assert unexpected(statuses) == [], report
    assert answer in run.stdout  # the assistant's answer streamed
    assert '"status": "submitted"' in run.stdout or '"status":"submitted"' in run.stdout, report
    assert (folder / "export.zip").stat().st_size > 0
