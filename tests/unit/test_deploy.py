"""The compose files of ``deploy/`` are consistent (they cannot run here: no Docker engine).

Parsed with pyyaml and checked: pinned images, every variable defined in ``.env.example``,
every named volume/network/secret declared, every ``depends_on`` target present, logyard's
commands parse as real ``logyard`` subcommands, their pipeline configs validate, and every
variable a config or a mounted script requires is in the service's environment.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from logyard.cli._main import build_parser
from logyard.pipeline._config import load_config

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
COMPOSE_FILES = ["compose.yaml", "compose.opensearch.yaml"]
_VAR = re.compile(r"\$\{([A-Z0-9_]+)(?::?[-?][^}]*)?\}")
_REQUIRED_IN_SCRIPT = re.compile(r"\$\{([A-Z0-9_]+):\?")


def _env_example() -> dict[str, str]:
    values: dict[str, str] = {}
    for line in (DEPLOY / ".env.example").read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, _, value = line.partition("=")
            values[key.strip()] = value.strip()
    return values


def _interpolate(text: str) -> str:
    env = _env_example()
    return _VAR.sub(lambda m: env.get(m.group(1), m.group(0)), text)


def _compose(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((DEPLOY / name).read_text())
    return loaded


@pytest.fixture(params=COMPOSE_FILES)
def compose(request: pytest.FixtureRequest) -> tuple[str, dict[str, Any]]:
    """(file name, parsed compose file)."""
    return request.param, _compose(request.param)


def test_every_variable_is_defined_in_the_env_file(compose: tuple[str, dict[str, Any]]) -> None:
    """Every ``${VAR}`` of the compose file, and every secret's environment source, is in
    ``.env.example``."""
    name, parsed = compose
    used = set(_VAR.findall((DEPLOY / name).read_text()))
    used |= {s["environment"] for s in parsed.get("secrets", {}).values() if "environment" in s}
    assert sorted(used - set(_env_example())) == []


def test_env_example_holds_placeholders_only() -> None:
    """Passwords, keys and tokens in ``.env.example`` are CHANGE_ME placeholders, and the
    real ``.env`` is ignored by git."""
    secret = re.compile(r"(PASSWORD|_KEY|TOKEN|CLUSTER_ID)$")
    real = {k: v for k, v in _env_example().items() if secret.search(k) and "CHANGE_ME" not in v}
    assert real == {}
    assert ".env" in (DEPLOY / ".gitignore").read_text().split()


def test_every_image_has_a_pinned_tag(compose: tuple[str, dict[str, Any]]) -> None:
    """Each service names an image whose tag (after the env file) is a version, not latest."""
    _, parsed = compose
    unpinned = []
    for service, spec in parsed["services"].items():
        image = _interpolate(spec.get("image", ""))
        repository, _, tag = image.rpartition(":")
        if not repository or "/" in tag or tag in ("", "latest") or not re.match(r"^\d", tag):
            unpinned.append(f"{service}: {image!r}")
    assert unpinned == []


def test_named_volumes_networks_and_secrets_are_declared(
    compose: tuple[str, dict[str, Any]],
) -> None:
    """Every named volume, network and secret a service uses is declared at the top level."""
    _, parsed = compose
    missing = []
    for service, spec in parsed["services"].items():
        for volume in spec.get("volumes", []):
            source = volume.split(":", 1)[0]
            if not source.startswith((".", "/")) and source not in (parsed.get("volumes") or {}):
                missing.append(f"{service}: volume {source}")
        for network in spec.get("networks", []):
            if network not in (parsed.get("networks") or {}):
                missing.append(f"{service}: network {network}")
        for secret in spec.get("secrets", []):
            if secret not in (parsed.get("secrets") or {}):
                missing.append(f"{service}: secret {secret}")
    assert missing == []


def test_bind_mounted_files_exist(compose: tuple[str, dict[str, Any]]) -> None:
    """Every ``./file`` mounted into a service is in the repository."""
    _, parsed = compose
    sources = [
        v.split(":", 1)[0] for s in parsed["services"].values() for v in s.get("volumes", [])
    ]
    assert [s for s in sources if s.startswith(".") and not (DEPLOY / s).is_file()] == []


def test_depends_on_targets_exist_and_health_conditions_have_checks(
    compose: tuple[str, dict[str, Any]],
) -> None:
    """depends_on names existing services; ``service_healthy`` only on ones with a
    healthcheck; ``service_completed_successfully`` only on one-shot jobs."""
    _, parsed = compose
    services = parsed["services"]
    problems = []
    for service, spec in services.items():
        for target, condition in (spec.get("depends_on") or {}).items():
            wanted = condition["condition"]
            if target not in services:
                problems.append(f"{service} -> {target}: no such service")
            elif wanted == "service_healthy" and "healthcheck" not in services[target]:
                problems.append(f"{service} -> {target}: healthy, but no healthcheck")
            elif wanted == "service_completed_successfully" and services[target].get(
                "restart", "no"
            ) not in ("no",):
                problems.append(f"{service} -> {target}: completes, but restarts")
    assert problems == []


def test_published_ports_do_not_collide(compose: tuple[str, dict[str, Any]]) -> None:
    """No two services publish the same host port."""
    _, parsed = compose
    ports = [p.split(":")[0] for s in parsed["services"].values() for p in s.get("ports", [])]
    assert sorted(ports) == sorted(set(ports))


def _logyard_services(parsed: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        name: spec
        for name, spec in parsed["services"].items()
        if spec.get("command", [""])[0] == "logyard"
    }


def test_logyard_commands_are_real_subcommands(compose: tuple[str, dict[str, Any]]) -> None:
    """Each logyard service's command parses with ``logyard``'s own argument parser."""
    _, parsed = compose
    services = _logyard_services(parsed)
    parser = build_parser()
    commands = {}
    for name, spec in services.items():
        argv = [_interpolate(a) for a in spec["command"][1:]]
        commands[name] = parser.parse_args(argv).command
    expected_kinds = {"setup", "process", "up", "analyze"}
    assert set(commands.values()) == expected_kinds


def test_pipeline_configs_validate_and_their_variables_are_set(
    compose: tuple[str, dict[str, Any]],
) -> None:
    """The pipeline.toml a processor mounts validates, and every ``*_env`` it names is in
    that service's environment."""
    _, parsed = compose
    problems = []
    checked = 0
    for name, spec in _logyard_services(parsed).items():
        mounts = dict(v.split(":")[:2][::-1] for v in spec.get("volumes", []))
        if "--config" not in spec["command"]:
            continue
        config_path = spec["command"][spec["command"].index("--config") + 1]
        config = load_config(DEPLOY / mounts[config_path])
        checked += 1
        sections = [config.store, config.mask, config.dead_letters, *config.inputs.values()]
        for section in sections:
            for option, value in section.model_dump().items():
                if option.endswith("_env") and value and value not in spec.get("environment", {}):
                    problems.append(f"{name}: {option} = {value} is not in its environment")
    assert (checked > 0, problems) == (True, [])


def test_scripts_get_the_variables_they_require(compose: tuple[str, dict[str, Any]]) -> None:
    """A mounted script's ``${VAR:?}`` variables are in the environment of its service."""
    _, parsed = compose
    problems = []
    for name, spec in parsed["services"].items():
        for volume in spec.get("volumes", []):
            source = volume.split(":", 1)[0]
            if not source.endswith(".sh"):
                continue
            for var in set(_REQUIRED_IN_SCRIPT.findall((DEPLOY / source).read_text())):
                if var not in spec.get("environment", {}):
                    problems.append(f"{name}: {source} needs {var}")
    assert problems == []


def test_every_logyard_service_reaches_the_ca(compose: tuple[str, dict[str, Any]]) -> None:
    """TLS everywhere: each logyard service mounts the certs volume read-only."""
    _, parsed = compose
    lacking = [
        name
        for name, spec in _logyard_services(parsed).items()
        if "certs:/certs:ro" not in spec.get("volumes", [])
    ]
    assert lacking == []
