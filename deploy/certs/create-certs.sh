#!/bin/sh
# One CA and a certificate per service, into the `certs` volume (mounted at /certs).
# Runs once in the `certs` service (alpine + openssl); does nothing if the CA exists.
# Keys are PKCS#8 PEM (OpenSearch requires it); Kafka gets a PKCS#12 keystore.
set -eu
cd /certs
if [ -f ca/ca.crt ]; then
    echo "certs: CA exists, nothing to do"
    exit 0
fi
: "${CERTS_PASSWORD:?set CERTS_PASSWORD in deploy/.env}"
mkdir -p ca
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:4096 -out ca/ca.key
openssl req -x509 -new -key ca/ca.key -sha256 -days 1825 -subj "/CN=logyard deploy CA" \
    -out ca/ca.crt

issue() {  # issue NAME [extra DNS names...]: /certs/NAME/NAME.{key,crt}
    name="$1"; shift
    mkdir -p "$name"
    san="DNS:${name},DNS:localhost,IP:127.0.0.1"
    for extra in "$@"; do san="${san},DNS:${extra}"; done
    openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$name/$name.key"
    openssl req -new -key "$name/$name.key" -subj "/CN=${name}" -out "$name/$name.csr"
    printf 'subjectAltName=%s\nextendedKeyUsage=serverAuth,clientAuth\n' "$san" > "$name/ext.cnf"
    openssl x509 -req -in "$name/$name.csr" -CA ca/ca.crt -CAkey ca/ca.key -CAcreateserial \
        -days 825 -sha256 -extfile "$name/ext.cnf" -out "$name/$name.crt"
    rm "$name/$name.csr" "$name/ext.cnf"
}

issue kafka
issue elasticsearch
issue kibana
issue opensearch
issue opensearch-dashboards
issue logyard-api api
# The OpenSearch security plugin's admin client certificate (securityadmin, plugins.security.authcz.admin_dn).
issue opensearch-admin

openssl pkcs12 -export -in kafka/kafka.crt -inkey kafka/kafka.key -certfile ca/ca.crt \
    -name kafka -out kafka/kafka.p12 -passout env:CERTS_PASSWORD

# Every image here runs as uid 1000 (Elastic, OpenSearch, Kafka, logyard): it owns the keys,
# group 0 may read them; the certificates are world-readable.
chmod 0644 ./*/*.crt
chmod 0640 ./*/*.key kafka/kafka.p12
chown -R 1000:0 /certs
rm -f ca/ca.srl
echo "certs: CA and certificates written to the certs volume"
