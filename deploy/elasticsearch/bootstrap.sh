#!/bin/bash
# Built-in users the stack needs before `logyard setup`: kibana_system's password, and the
# processor's user logyard_processor with the role logyard_writer (made by logyard setup).
set -euo pipefail
: "${ELASTIC_PASSWORD:?}" "${KIBANA_SYSTEM_PASSWORD:?}" "${LOGYARD_WRITER_PASSWORD:?}"
es=https://elasticsearch:9200
call() {  # call METHOD PATH JSON
    curl --fail --silent --show-error --cacert /certs/ca/ca.crt -u "elastic:${ELASTIC_PASSWORD}" \
        -X "$1" "$es$2" -H 'Content-Type: application/json' -d "$3"
    echo
}
until curl --silent --cacert /certs/ca/ca.crt -u "elastic:${ELASTIC_PASSWORD}" "$es/_cluster/health" \
    | grep -q '"status":"\(green\|yellow\)"'; do
    echo "bootstrap: waiting for Elasticsearch"; sleep 5
done
call POST /_security/user/kibana_system/_password "{\"password\":\"${KIBANA_SYSTEM_PASSWORD}\"}"
call PUT /_security/user/logyard_processor \
    "{\"password\":\"${LOGYARD_WRITER_PASSWORD}\",\"roles\":[\"logyard_writer\"],\"full_name\":\"logyard processor\"}"
echo "bootstrap: done"
