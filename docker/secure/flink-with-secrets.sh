#!/bin/sh
# Entrypoint of the Flink services of docker-compose.secure.yml: appends the REST key and trust store password,
# read from its secret file, to FLINK_PROPERTIES, which the image's entrypoint writes into conf/config.yaml.
# So the password is in neither the compose file nor `docker inspect`, only in the container.
set -eu
password="$(cat /etc/byot/flink-rest/store_password)"
FLINK_PROPERTIES="${FLINK_PROPERTIES}
security.ssl.rest.keystore-password: ${password}
security.ssl.rest.key-password: ${password}
security.ssl.rest.truststore-password: ${password}"
export FLINK_PROPERTIES
exec /docker-entrypoint.sh "$@"
