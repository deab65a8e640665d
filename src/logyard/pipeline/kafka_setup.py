"""``logyard setup kafka``: the topics, per-service SCRAM users and ACLs of the distributed setup.

::

    p = plan()                                  # pure: topics, users (fresh passwords), ACLs
    apply(p, "kafka:9092", dry_run=True)        # prints what it would do, contacts nothing
    apply(p, "kafka:9092", admin_config={...})  # idempotent; 0 = all done, 1 = partly done

The policy: service ``svc-<system>`` may WRITE (and DESCRIBE) only ``logs.<system>``; the
processor READs every ``logs.`` topic (prefixed pattern) and its consumer group and WRITEs
``logs.dlq``; ``Support_Logs`` gets nothing in Kafka (it reads masked logs through the API).
Nobody gets ALL or ALTER. Passwords are printed once to ``out`` and never logged.

CreateAcls runs in a child process: some brokers (Tansu 0.6) advertise it but answer in a
shape that makes librdkafka abort the whole process; the child's crash is reported instead.
"""

from __future__ import annotations

import importlib
import json
import secrets
import subprocess
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import IO, Any, Literal

from logyard.catalog import SYSTEMS
from logyard.errors import ConfigError, NotInstalledError

__all__ = [
    "SUPPORT_LOGS_NOTE",
    "AclSpec",
    "KafkaPlan",
    "ScramUser",
    "TopicSpec",
    "apply",
    "plan",
    "setup_kafka_command",
]

ResourceKind = Literal["TOPIC", "GROUP", "CLUSTER"]
PatternKind = Literal["LITERAL", "PREFIXED"]
Operation = Literal["READ", "WRITE", "DESCRIBE", "IDEMPOTENT_WRITE"]
Write = Callable[[str], None]

CLUSTER_RESOURCE = "kafka-cluster"
SUPPORT_LOGS_NOTE = (
    "Support_Logs: no Kafka user and no ACL binding (denied by default); "
    "it reads masked logs through the API only"
)
_TIMEOUT_SECS = 15.0
#: confluent-kafka names the cluster resource ``BROKER`` (Kafka's ``CLUSTER``).
_CLIENT_RESOURCE = {"CLUSTER": "BROKER"}


@dataclass(frozen=True)
class TopicSpec:
    """A topic to create."""

    name: str
    partitions: int
    replication: int


@dataclass(frozen=True)
class ScramUser:
    """A SCRAM user; the password never appears in ``repr``."""

    name: str
    password: str = field(repr=False)
    mechanism: Literal["SCRAM-SHA-512"] = "SCRAM-SHA-512"
    iterations: int = 8192


@dataclass(frozen=True)
class AclSpec:
    """One ALLOW binding: ``principal`` may ``operation`` on the resource from any host."""

    resource_type: ResourceKind
    resource_name: str
    pattern_type: PatternKind
    principal: str
    operation: Operation
    permission: Literal["ALLOW"] = "ALLOW"
    host: str = "*"

    def describe(self) -> str:
        """``User:svc-mes ALLOW WRITE on TOPIC logs.mes (LITERAL)``."""
        return (
            f"{self.principal} {self.permission} {self.operation} on "
            f"{self.resource_type} {self.resource_name} ({self.pattern_type})"
        )


@dataclass(frozen=True)
class KafkaPlan:
    """Everything ``apply`` creates, and notes for what is deliberately absent."""

    topics: tuple[TopicSpec, ...]
    users: tuple[ScramUser, ...]
    acls: tuple[AclSpec, ...]
    notes: tuple[str, ...]


def plan(
    systems: Sequence[str] = SYSTEMS,
    *,
    topic_template: str = "logs.{service}",
    dlq_topic: str = "logs.dlq",
    partitions: int = 6,
    replication: int = 3,
    processor_user: str = "logyard-processor",
    group: str = "logyard",
) -> KafkaPlan:
    """The topics, users (with fresh passwords) and ACL bindings of the policy above."""
    prefix, sep, suffix = topic_template.partition("{service}")
    if not sep or suffix or not prefix:
        raise ConfigError(
            f"kafka setup: topic_template {topic_template!r} must be a prefix followed by "
            "{service}, e.g. 'logs.{service}'"
        )
    if partitions < 1 or replication < 1:
        raise ConfigError(
            f"kafka setup: partitions={partitions}, replication={replication}; both must be >= 1"
        )
    topic_names = [topic_template.format(service=s) for s in systems]
    topics = tuple(TopicSpec(n, partitions, replication) for n in [*topic_names, dlq_topic])
    users = tuple(
        ScramUser(name, secrets.token_urlsafe(24))
        for name in [*(f"svc-{s}" for s in systems), processor_user]
    )
    acls: list[AclSpec] = []
    for system, topic in zip(systems, topic_names, strict=True):
        principal = f"User:svc-{system}"
        acls += [
            AclSpec("TOPIC", topic, "LITERAL", principal, "WRITE"),
            AclSpec("TOPIC", topic, "LITERAL", principal, "DESCRIBE"),
            AclSpec("CLUSTER", CLUSTER_RESOURCE, "LITERAL", principal, "IDEMPOTENT_WRITE"),
        ]
    processor = f"User:{processor_user}"
    acls += [
        AclSpec("TOPIC", prefix, "PREFIXED", processor, "READ"),
        AclSpec("TOPIC", prefix, "PREFIXED", processor, "DESCRIBE"),
        AclSpec("GROUP", group, "LITERAL", processor, "READ"),
        AclSpec("TOPIC", dlq_topic, "LITERAL", processor, "WRITE"),
    ]
    return KafkaPlan(topics, users, tuple(acls), (SUPPORT_LOGS_NOTE,))


def apply(
    kafka_plan: KafkaPlan,
    bootstrap: str,
    *,
    admin_config: Mapping[str, str] | None = None,
    dry_run: bool = False,
    rotate_passwords: bool = False,
    out: IO[str] | None = None,
) -> int:
    """Create what is missing; print each step to ``out``; 0 if all done, 1 if partly.

    Existing topics, users (unless ``rotate_passwords``) and bindings are left unchanged. A
    part the broker does not support is reported on its own line and the rest goes on.
    """
    write = _printer(out)
    if dry_run:
        _print_dry_run(kafka_plan, bootstrap, write)
        return 0
    try:
        admin_module = _kafka_admin()
    except ImportError as exc:
        raise NotInstalledError(
            "setup kafka: needs confluent-kafka; pip install 'logyard[kafka]'"
        ) from exc
    config: dict[str, str] = {"bootstrap.servers": bootstrap, **(admin_config or {})}
    admin = admin_module.AdminClient(config)
    ok = _apply_topics(admin, kafka_plan.topics, write)
    ok = _apply_users(admin, kafka_plan.users, rotate_passwords, write) and ok
    ok = _apply_acls(admin, config, kafka_plan.acls, write) and ok
    for note in kafka_plan.notes:
        write(note)
    write("kafka setup: done" if ok else "kafka setup: incomplete; see the lines above")
    return 0 if ok else 1


def setup_kafka_command(
    bootstrap: str,
    *,
    dry_run: bool = False,
    partitions: int = 6,
    replication: int = 3,
    admin_config: Mapping[str, str] | None = None,
    rotate_passwords: bool = False,
    out: IO[str] | None = None,
) -> int:
    """``logyard setup kafka``: ``apply(plan(...))``; exit 0 done, 1 partly done."""
    kafka_plan = plan(partitions=partitions, replication=replication)
    return apply(
        kafka_plan,
        bootstrap,
        admin_config=admin_config,
        dry_run=dry_run,
        rotate_passwords=rotate_passwords,
        out=out,
    )


def _kafka_admin() -> Any:
    """``confluent_kafka.admin``, untyped (its stubs do not export the ACL and SCRAM types)."""
    return importlib.import_module("confluent_kafka.admin")


def _printer(out: IO[str] | None) -> Write:
    def write(line: str) -> None:
        print(line, file=out if out is not None else sys.stdout)

    return write


def _print_dry_run(kafka_plan: KafkaPlan, bootstrap: str, write: Write) -> None:
    write(f"dry run: nothing is sent to {bootstrap}")
    for t in kafka_plan.topics:
        write(
            f"topic {t.name}: would create ({t.partitions} partitions, replication {t.replication})"
        )
    for u in kafka_plan.users:
        write(f"user {u.name}: would set a {u.mechanism} credential (password generated then)")
    for a in kafka_plan.acls:
        write(f"acl {a.describe()}: would create")
    for note in kafka_plan.notes:
        write(note)


def _unsupported(exc: BaseException) -> bool:
    """Whether ``exc`` says the broker does not support or has not enabled the API."""
    from confluent_kafka import KafkaError

    error = exc.args[0] if exc.args else None
    code = error.code() if isinstance(error, KafkaError) else None
    return code in (
        KafkaError._UNSUPPORTED_FEATURE,
        KafkaError.UNSUPPORTED_VERSION,
        KafkaError.SECURITY_DISABLED,
        KafkaError.UNSUPPORTED_SASL_MECHANISM,
    )


def _apply_topics(admin: Any, topics: Sequence[TopicSpec], write: Write) -> bool:
    from confluent_kafka import KafkaError

    k = _kafka_admin()

    try:
        existing = set(admin.list_topics(timeout=_TIMEOUT_SECS).topics)
    except Exception as exc:
        write(f"topics: cannot list the broker's topics ({exc}); check --bootstrap")
        return False
    missing = [t for t in topics if t.name not in existing]
    for t in topics:
        if t.name in existing:
            write(f"topic {t.name}: exists, unchanged")
    if not missing:
        return True
    new = [
        k.NewTopic(t.name, num_partitions=t.partitions, replication_factor=t.replication)
        for t in missing
    ]
    ok = True
    futures = admin.create_topics(new, request_timeout=_TIMEOUT_SECS)
    for t in missing:
        try:
            futures[t.name].result(_TIMEOUT_SECS)
            write(
                f"topic {t.name}: created ({t.partitions} partitions, replication {t.replication})"
            )
        except Exception as exc:
            error = exc.args[0] if exc.args else None
            if isinstance(error, KafkaError) and error.code() == KafkaError.TOPIC_ALREADY_EXISTS:
                write(f"topic {t.name}: exists, unchanged")
                continue
            write(f"topic {t.name}: not created ({exc})")
            ok = False
    return ok


def _existing_users(admin: Any, users: Sequence[ScramUser], write: Write) -> set[str]:
    """Users that already have a SCRAM credential (empty, with a line, if the broker won't say)."""
    try:
        futures = admin.describe_user_scram_credentials([u.name for u in users])
    except Exception as exc:
        write(f"users: cannot list existing SCRAM users ({exc}); setting every credential")
        return set()
    from confluent_kafka import KafkaError

    found: set[str] = set()
    unknown: list[str] = []
    for name, future in futures.items():
        try:
            if future.result(_TIMEOUT_SECS).scram_credential_infos:
                found.add(name)
        except Exception as exc:
            error = exc.args[0] if exc.args else None
            if not (
                isinstance(error, KafkaError) and error.code() == KafkaError.RESOURCE_NOT_FOUND
            ):
                unknown.append(f"{name} ({exc})")
    if unknown:
        write(
            f"users: the broker did not say whether {len(unknown)} user(s) exist; setting "
            f"their credentials (any old password is replaced): {unknown[0]}"
        )
    return found


def _apply_users(admin: Any, users: Sequence[ScramUser], rotate: bool, write: Write) -> bool:
    k = _kafka_admin()

    existing = set() if rotate else _existing_users(admin, users, write)
    todo = [u for u in users if u.name not in existing]
    for u in users:
        if u.name in existing:
            write(f"user {u.name}: exists, unchanged (--rotate-passwords replaces it)")
    if not todo:
        return True
    upserts = [
        k.UserScramCredentialUpsertion(
            u.name,
            k.ScramCredentialInfo(k.ScramMechanism.SCRAM_SHA_512, u.iterations),
            u.password.encode(),
        )
        for u in todo
    ]
    try:
        futures = admin.alter_user_scram_credentials(upserts, request_timeout=_TIMEOUT_SECS)
    except Exception as exc:
        write(f"users: AlterUserScramCredentials failed ({exc}); no user was created")
        return False
    ok = True
    for u in todo:
        try:
            futures[u.name].result(_TIMEOUT_SECS)
            write(
                f"user {u.name}: {u.mechanism} credential set; password (shown once): {u.password}"
            )
        except Exception as exc:
            if _unsupported(exc):
                write(f"user {u.name}: the broker does not support SCRAM credentials ({exc})")
            else:
                write(f"user {u.name}: not set ({exc})")
            ok = False
    return ok


def _apply_acls(
    admin: Any, config: Mapping[str, str], acls: Sequence[AclSpec], write: Write
) -> bool:
    k = _kafka_admin()

    match_all = k.AclBindingFilter(
        k.ResourceType.ANY,
        None,
        k.ResourcePatternType.ANY,
        None,
        None,
        k.AclOperation.ANY,
        k.AclPermissionType.ANY,
    )
    try:
        found = admin.describe_acls(match_all, request_timeout=_TIMEOUT_SECS).result(_TIMEOUT_SECS)
    except Exception as exc:
        reason = "does not support ACLs" if _unsupported(exc) else "did not list its ACLs"
        write(f"acls: the broker {reason} ({exc}); no binding created")
        return False
    existing = {_spec_key(b) for b in found}
    todo = [a for a in acls if _key(a) not in existing]
    for a in acls:
        if _key(a) in existing:
            write(f"acl {a.describe()}: exists, unchanged")
    if not todo:
        return True
    error = _create_acls_in_child(config, todo)
    if error is not None:
        write(f"acls: {error}; {len(todo)} binding(s) not created")
        return False
    for a in todo:
        write(f"acl {a.describe()}: created")
    return True


def _key(a: AclSpec) -> tuple[str, ...]:
    return (
        a.resource_type,
        a.resource_name,
        a.pattern_type,
        a.principal,
        a.host,
        a.operation,
        a.permission,
    )


def _spec_key(binding: Any) -> tuple[str, ...]:
    return (
        {"BROKER": "CLUSTER"}.get(binding.restype.name, binding.restype.name),
        binding.name,
        binding.resource_pattern_type.name,
        binding.principal,
        binding.host,
        binding.operation.name,
        binding.permission_type.name,
    )


def _create_acls_in_child(config: Mapping[str, str], acls: Sequence[AclSpec]) -> str | None:
    """Run CreateAcls in a child process; ``None`` if all were created, else why not.

    The config (which may hold SASL secrets) goes through stdin, never the command line.
    """
    request = json.dumps({"config": dict(config), "acls": [asdict(a) for a in acls]})
    code = "from logyard.pipeline.kafka_setup import _create_acls_main; _create_acls_main()"
    try:
        done = subprocess.run(
            [sys.executable, "-c", code],
            input=request,
            capture_output=True,
            text=True,
            timeout=_TIMEOUT_SECS * 2,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return f"CreateAcls got no answer within {_TIMEOUT_SECS * 2:.0f}s"
    tail = [line for line in done.stderr.splitlines() if line.strip()][-1:]
    if done.returncode < 0:
        return (
            "the broker's CreateAcls answer could not be read (the Kafka client aborted with "
            f"signal {-done.returncode}: {tail[0] if tail else 'no output'}); this broker "
            "does not support ACLs usably"
        )
    if done.returncode != 0:
        return f"CreateAcls failed ({tail[0] if tail else f'exit {done.returncode}'})"
    errors: list[str] = json.loads(done.stdout)
    return "; ".join(errors) if errors else None


def _create_acls_main() -> None:
    """Child side of ``_create_acls_in_child``: JSON request on stdin, error list on stdout."""
    k = _kafka_admin()

    request = json.load(sys.stdin)
    bindings = [
        k.AclBinding(
            k.ResourceType[_CLIENT_RESOURCE.get(a["resource_type"], a["resource_type"])],
            a["resource_name"],
            k.ResourcePatternType[a["pattern_type"]],
            a["principal"],
            a["host"],
            k.AclOperation[a["operation"]],
            k.AclPermissionType[a["permission"]],
        )
        for a in request["acls"]
    ]
    admin = k.AdminClient(request["config"])
    futures = admin.create_acls(bindings, request_timeout=_TIMEOUT_SECS)
    errors: list[str] = []
    for binding, future in futures.items():
        try:
            future.result(_TIMEOUT_SECS)
        except Exception as exc:
            errors.append(f"{binding.principal} {binding.operation.name} {binding.name}: {exc}")
    json.dump(errors, sys.stdout)
