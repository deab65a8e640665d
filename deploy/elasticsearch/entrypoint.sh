#!/bin/bash
# Put the S3 client credentials (compose secrets) into the Elasticsearch keystore, then start
# Elasticsearch as the image would. The repository-s3 module is part of Elasticsearch 8.
set -euo pipefail
bin=/usr/share/elasticsearch/bin
[ -f /usr/share/elasticsearch/config/elasticsearch.keystore ] || $bin/elasticsearch-keystore create
$bin/elasticsearch-keystore add --force --stdin s3.client.default.access_key < /run/secrets/s3_access_key
$bin/elasticsearch-keystore add --force --stdin s3.client.default.secret_key < /run/secrets/s3_secret_key
exec /bin/tini -s -- /usr/local/bin/docker-entrypoint.sh eswrapper
