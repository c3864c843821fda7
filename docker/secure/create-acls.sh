#!/bin/sh
# One-shot step of docker-compose.secure.yml: the ACLs of the job's user (byot) and of the host producer
# (producer), created as the super user admin. The job's consumer group and transactional ids follow its
# --group-id (default byot-adapt): its sinks' transactional ids start with "<group-id>-".
set -eu
group="${BYOT_GROUP_ID:-byot-adapt}"
acl() {
  /opt/kafka/bin/kafka-acls.sh --bootstrap-server kafka:9092 \
    --command-config /etc/byot/kafka-admin/client.properties --add "$@"
}
acl --allow-principal User:byot --operation Read --topic images --group "$group"
acl --allow-principal User:byot --operation Write --topic predictions --topic models --topic metrics --topic dead-letter
# A start without state, and a restore with a model key, read the newest model to continue the version line.
acl --allow-principal User:byot --operation Read --topic models
acl --allow-principal User:byot --operation Write --transactional-id "$group-" --resource-pattern-type prefixed
acl --allow-principal User:byot --operation IdempotentWrite --cluster
acl --allow-principal User:producer --operation Write --topic images
