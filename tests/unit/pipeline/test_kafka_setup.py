"""The plan of ``logyard setup kafka``: topics, SCRAM users and the exact ACL bindings."""

from __future__ import annotations

import io

import pytest

from logyard.errors import ConfigError
from logyard.pipeline.kafka_setup import (
    SUPPORT_LOGS_NOTE,
    AclSpec,
    TopicSpec,
    apply,
    plan,
)

SYSTEMS = ("internet-shop", "shop-api", "crm", "crm-api", "mes", "mes-api")


def test_topics_are_one_per_system_and_the_dlq() -> None:
    """Six ``logs.<system>`` topics and ``logs.dlq``, 6 partitions, replication 3."""
    expected = (*tuple(TopicSpec(f"logs.{s}", 6, 3) for s in SYSTEMS), TopicSpec("logs.dlq", 6, 3))
    assert expected == plan().topics


def test_users_are_one_per_service_and_the_processor() -> None:
    """``svc-<system>`` for every system plus ``logyard-processor``, all SCRAM-SHA-512."""
    users = plan().users
    assert [*(f"svc-{s}" for s in SYSTEMS), "logyard-processor"] == [u.name for u in users]
    assert {"SCRAM-SHA-512"} == {u.mechanism for u in users}


def test_passwords_are_fresh_distinct_and_hidden_from_repr() -> None:
    """Each plan generates new, distinct, long passwords; ``repr`` never shows them."""
    first, second = plan(), plan()
    passwords = [u.password for u in first.users]
    assert len(set(passwords)) == len(passwords)
    assert not set(passwords) & {u.password for u in second.users}
    assert all(len(p) >= 32 for p in passwords)
    assert not any(p in repr(first) for p in passwords)


def test_a_service_may_write_only_its_own_topic() -> None:
    """``svc-mes``: WRITE and DESCRIBE on ``logs.mes`` (literal), IDEMPOTENT_WRITE on the
    cluster, and nothing else."""
    expected = [
        AclSpec("TOPIC", "logs.mes", "LITERAL", "User:svc-mes", "WRITE"),
        AclSpec("TOPIC", "logs.mes", "LITERAL", "User:svc-mes", "DESCRIBE"),
        AclSpec("CLUSTER", "kafka-cluster", "LITERAL", "User:svc-mes", "IDEMPOTENT_WRITE"),
    ]
    assert expected == [a for a in plan().acls if a.principal == "User:svc-mes"]


def test_every_service_has_the_same_shape_of_bindings() -> None:
    """Every service's topic bindings name exactly its own topic, literally."""
    for system in SYSTEMS:
        topics = {
            (a.resource_name, a.pattern_type)
            for a in plan().acls
            if a.principal == f"User:svc-{system}" and a.resource_type == "TOPIC"
        }
        assert {(f"logs.{system}", "LITERAL")} == topics


def test_the_processor_reads_every_logs_topic_and_writes_the_dlq() -> None:
    """The processor: READ/DESCRIBE on prefix ``logs.``, READ its group, WRITE ``logs.dlq``."""
    expected = [
        AclSpec("TOPIC", "logs.", "PREFIXED", "User:logyard-processor", "READ"),
        AclSpec("TOPIC", "logs.", "PREFIXED", "User:logyard-processor", "DESCRIBE"),
        AclSpec("GROUP", "logyard", "LITERAL", "User:logyard-processor", "READ"),
        AclSpec("TOPIC", "logs.dlq", "LITERAL", "User:logyard-processor", "WRITE"),
    ]
    assert expected == [a for a in plan().acls if a.principal == "User:logyard-processor"]


def test_there_are_no_other_bindings() -> None:
    """3 bindings per service + 4 for the processor, all ALLOW from any host."""
    acls = plan().acls
    assert 3 * len(SYSTEMS) + 4 == len(acls)
    assert {("ALLOW", "*")} == {(a.permission, a.host) for a in acls}


def test_nobody_gets_all_or_alter() -> None:
    """Only READ, WRITE, DESCRIBE and IDEMPOTENT_WRITE appear; never ALL, ALTER, CREATE…"""
    assert {"READ", "WRITE", "DESCRIBE", "IDEMPOTENT_WRITE"} == {a.operation for a in plan().acls}


def test_support_logs_gets_nothing_in_kafka() -> None:
    """No user and no binding mention Support_Logs; the plan says so in a note."""
    kafka_plan = plan()
    assert not any("support" in u.name.lower() for u in kafka_plan.users)
    assert not any("support" in a.principal.lower() for a in kafka_plan.acls)
    assert kafka_plan.notes == (SUPPORT_LOGS_NOTE,)


def test_options_change_names_and_sizes() -> None:
    """Template, DLQ, processor user, group, partitions and replication are honoured."""
    p = plan(
        ("mes",),
        topic_template="prod.{service}",
        dlq_topic="prod.dlq",
        partitions=3,
        replication=1,
        processor_user="proc",
        group="g1",
    )
    assert (TopicSpec("prod.mes", 3, 1), TopicSpec("prod.dlq", 3, 1)) == p.topics
    assert AclSpec("TOPIC", "prod.", "PREFIXED", "User:proc", "READ") in p.acls
    assert AclSpec("GROUP", "g1", "LITERAL", "User:proc", "READ") in p.acls


@pytest.mark.parametrize("template", ["logs", "{service}", "logs.{service}.raw"])
def test_a_template_without_a_prefix_then_service_is_refused(template: str) -> None:
    """The processor's prefixed READ needs ``<prefix>{service}``; anything else is an error."""
    with pytest.raises(ConfigError, match="topic_template"):
        plan(topic_template=template)


def test_dry_run_prints_the_plan_without_a_broker_or_passwords() -> None:
    """A dry run contacts nothing (the port is closed), lists every step and no password."""
    kafka_plan = plan()
    out = io.StringIO()
    assert apply(kafka_plan, "127.0.0.1:1", dry_run=True, out=out) == 0
    text = out.getvalue()
    assert "topic logs.mes: would create (6 partitions, replication 3)" in text
    assert "acl User:svc-mes ALLOW WRITE on TOPIC logs.mes (LITERAL): would create" in text
    assert SUPPORT_LOGS_NOTE in text
    assert not any(u.password in text for u in kafka_plan.users)
