"""``logyard setup kafka`` against Tansu: topics for real, SCRAM and ACLs as far as it goes."""

from __future__ import annotations

import io

from confluent_kafka.admin import AdminClient

from logyard.pipeline.kafka_setup import KafkaPlan, apply, plan

from ._tansu import TansuBroker
from .conftest import KafkaNames


def _plan(names: KafkaNames) -> KafkaPlan:
    return plan(
        topic_template=names.topic("logs.{service}"),
        dlq_topic=names.topic("logs.dlq"),
        partitions=2,
        replication=1,
        processor_user=names.group("processor"),
    )


def _apply(kafka_plan: KafkaPlan, broker: TansuBroker) -> tuple[int, list[str]]:
    out = io.StringIO()
    code = apply(kafka_plan, broker.bootstrap, out=out)
    return code, out.getvalue().splitlines()


def test_apply_creates_the_seven_topics(kafka_broker: TansuBroker, kafka_names: KafkaNames) -> None:
    """After ``apply`` the broker lists the six system topics and the DLQ, 2 partitions each."""
    kafka_plan = _plan(kafka_names)
    _apply(kafka_plan, kafka_broker)
    topics = (
        AdminClient({"bootstrap.servers": kafka_broker.bootstrap}).list_topics(timeout=5).topics
    )
    expected = {t.name: 2 for t in kafka_plan.topics}
    assert expected == {n: len(topics[n].partitions) for n in expected if n in topics}


def test_a_second_apply_leaves_the_topics_unchanged(
    kafka_broker: TansuBroker, kafka_names: KafkaNames
) -> None:
    """The second run says "exists, unchanged" for each of the 7 topics and creates none."""
    kafka_plan = _plan(kafka_names)
    _apply(kafka_plan, kafka_broker)
    _, lines = _apply(kafka_plan, kafka_broker)
    expected = [f"topic {t.name}: exists, unchanged" for t in kafka_plan.topics]
    assert expected == [line for line in lines if line.startswith("topic ")]


def test_scram_credentials_are_accepted(kafka_broker: TansuBroker, kafka_names: KafkaNames) -> None:
    """Tansu accepts AlterUserScramCredentials: each user's line says its credential was set."""
    kafka_plan = _plan(kafka_names)
    _, lines = _apply(kafka_plan, kafka_broker)
    expected = [
        f"user {u.name}: SCRAM-SHA-512 credential set; password (shown once): {u.password}"
        for u in kafka_plan.users
    ]
    assert expected == [line for line in lines if line.startswith("user ")]


def test_unusable_acls_are_reported_and_the_rest_is_done(
    kafka_broker: TansuBroker, kafka_names: KafkaNames
) -> None:
    """Tansu's CreateAcls answer aborts librdkafka: ``apply`` survives (the request ran in a
    child), says ACLs were not created, still prints the Support_Logs note, and returns 1."""
    kafka_plan = _plan(kafka_names)
    code, lines = _apply(kafka_plan, kafka_broker)
    acl_lines = [line for line in lines if line.startswith("acl")]
    assert len(acl_lines) == 1
    assert acl_lines[0].startswith(
        "acls: the broker's CreateAcls answer could not be read (the Kafka client aborted"
    )
    assert acl_lines[0].endswith(f"; {len(kafka_plan.acls)} binding(s) not created")
    assert lines[-1:] == ["kafka setup: incomplete; see the lines above"]
    assert code == 1
