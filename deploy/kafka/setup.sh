#!/bin/bash
# Topics, SCRAM users and ACLs of the policy `logyard setup kafka` prints (--dry-run):
# svc-<system> may write only logs.<system>; logyard-processor reads logs.* in its groups
# and writes logs.dlq; Support_Logs has nothing in Kafka. Idempotent.
set -euo pipefail
: "${KAFKA_ADMIN_PASSWORD:?}" "${KAFKA_PROCESSOR_PASSWORD:?}"
# One password per service user (svc-<system>), so no service can sign in as another.
: "${KAFKA_PASSWORD_INTERNET_SHOP:?}" "${KAFKA_PASSWORD_SHOP_API:?}" "${KAFKA_PASSWORD_CRM:?}"
: "${KAFKA_PASSWORD_CRM_API:?}" "${KAFKA_PASSWORD_MES:?}" "${KAFKA_PASSWORD_MES_API:?}"
bin=/opt/kafka/bin
admin=/tmp/admin.properties
cat > "$admin" <<PROPS
security.protocol=SASL_SSL
sasl.mechanism=SCRAM-SHA-512
sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" password="${KAFKA_ADMIN_PASSWORD}";
ssl.truststore.type=PEM
ssl.truststore.location=/certs/ca/ca.crt
PROPS
server=kafka:9093
systems="internet-shop shop-api crm crm-api mes mes-api"
for system in $systems logs-dlq; do
    topic="logs.${system}"
    [ "$system" = logs-dlq ] && topic=logs.dlq
    $bin/kafka-topics.sh --bootstrap-server $server --command-config "$admin" --create \
        --if-not-exists --topic "$topic" --partitions "${KAFKA_PARTITIONS:-12}" \
        --replication-factor 1
done
user() {  # user NAME PASSWORD
    $bin/kafka-configs.sh --bootstrap-server $server --command-config "$admin" --alter \
        --add-config "SCRAM-SHA-512=[iterations=8192,password=$2]" \
        --entity-type users --entity-name "$1"
}
acl() { $bin/kafka-acls.sh --bootstrap-server $server --command-config "$admin" --add "$@"; }
for system in $systems; do
    var="KAFKA_PASSWORD_$(echo "$system" | tr 'a-z-' 'A-Z_')"
    user "svc-${system}" "${!var}"
    acl --allow-principal "User:svc-${system}" --operation Write --operation Describe \
        --topic "logs.${system}"
    acl --allow-principal "User:svc-${system}" --operation IdempotentWrite --cluster
done
user logyard-processor "${KAFKA_PROCESSOR_PASSWORD}"
acl --allow-principal User:logyard-processor --operation Read --operation Describe \
    --topic logs. --resource-pattern-type prefixed
acl --allow-principal User:logyard-processor --operation Read --group logyard \
    --resource-pattern-type prefixed
acl --allow-principal User:logyard-processor --operation Write --topic logs.dlq
echo "kafka setup: done"
