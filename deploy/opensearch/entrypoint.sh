#!/bin/bash
# Install the S3 repository plugin, put the S3 credentials (compose secrets) and the hashed
# passwords of the internal users in place, then start OpenSearch as the image would.
set -euo pipefail
: "${OPENSEARCH_ADMIN_PASSWORD:?}" "${OPENSEARCH_DASHBOARDS_PASSWORD:?}" "${LOGYARD_WRITER_PASSWORD:?}"
home=/usr/share/opensearch
if ! $home/bin/opensearch-plugin list | grep -q repository-s3; then
    $home/bin/opensearch-plugin install --batch repository-s3
fi
[ -f $home/config/opensearch.keystore ] || $home/bin/opensearch-keystore create
$home/bin/opensearch-keystore add --force --stdin s3.client.default.access_key < /run/secrets/s3_access_key
$home/bin/opensearch-keystore add --force --stdin s3.client.default.secret_key < /run/secrets/s3_secret_key
hash() { $home/plugins/opensearch-security/tools/hash.sh -p "$1" | tail -n 1; }
cat > $home/config/opensearch-security/internal_users.yml <<USERS
_meta:
  type: "internalusers"
  config_version: 2
admin:
  hash: "$(hash "$OPENSEARCH_ADMIN_PASSWORD")"
  reserved: true
  backend_roles: ["admin"]
kibanaserver:
  hash: "$(hash "$OPENSEARCH_DASHBOARDS_PASSWORD")"
  reserved: true
logyard_processor:
  hash: "$(hash "$LOGYARD_WRITER_PASSWORD")"
  backend_roles: ["logyard_writer"]
USERS
exec ./opensearch-docker-entrypoint.sh opensearch
