"""docker-compose.yml cannot run here (no Docker engine), so its shape is checked instead."""

from __future__ import annotations

from pathlib import Path

import yaml

from jobraker.cli import build_parser, command_names

ROOT = Path(__file__).resolve().parents[2]


def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_every_compose_command_is_a_real_cli_command():
    services = compose()["services"]
    commands = {name: s["command"] for name, s in services.items() if s.get("command", [""])[0] == "jobraker"}
    assert set(commands) == {"migrate", "api", "projector", "relay", "worker", "scheduler", "inbound-mail"}
    for name, command in commands.items():
        assert command[1] in command_names(), f"{name}: jobraker {command[1]} does not exist"
        build_parser().parse_args(command[1:])  # its options parse too (SystemExit otherwise)


def test_production_topology_has_pgvector_and_redis():
    services = compose()["services"]
    assert services["postgres"]["image"].startswith("pgvector/pgvector")
    assert services["redis"]["image"].startswith("redis")
    for name in ("api", "projector", "relay", "worker", "scheduler"):
        assert services[name]["environment"]["JOBRAKER_ENV"] == "production"


def test_dockerfile_installs_the_project_and_serves():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "pip install --no-cache-dir ." in dockerfile
    assert 'CMD ["jobraker", "serve"]' in dockerfile
