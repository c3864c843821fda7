#!/usr/bin/env bash
# Makes what docker/docker-compose.secure.yml reads: TLS key and trust stores for Kafka and for Flink's REST
# endpoint, SASL/PLAIN accounts with random passwords, the Kafka client files of the job, the admin and a host
# producer, and Grafana's admin password. Nothing here has a default password; every run makes new ones.
#   docker/secure/make-secrets.sh [directory]      default: docker/secrets (ignored by git)
# Needs bash and keytool (any JDK; set KEYTOOL when it is not on PATH). Refuses to overwrite an existing directory.
# The files are readable by every user of this host: the containers run as other users (kafka: appuser, Flink:
# flink, uid 9999; Grafana: uid 472), so on a shared host hand each directory to its container's user instead.
set -euo pipefail

out="${1:-$(cd "$(dirname "$0")/.." && pwd)/secrets}"
keytool="${KEYTOOL:-keytool}"
if [ -e "$out" ]; then
  echo "$out exists; delete it to make new secrets" >&2
  exit 1
fi
umask 022
mkdir -p "$out"
out="$(cd "$out" && pwd)"
mkdir "$out/kafka-broker" "$out/kafka-admin" "$out/kafka-job" "$out/kafka-producer" "$out/flink-rest"

# 48 hex digits from the kernel's random source; no pipe that closes early (set -o pipefail).
password() { head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n'; }

# A self-signed key pair in a PKCS12 key store, its certificate in a PKCS12 trust store. Passwords travel in
# environment variables (-storepass:env), not on keytool's command line.
key_and_trust_store() { # alias dname san keystore truststore
  "$keytool" -genkeypair -alias "$1" -keyalg EC -groupname secp256r1 -validity 825 -dname "$2" -ext "SAN=$3" \
    -keystore "$4" -storetype PKCS12 -storepass:env STORE_PASSWORD -keypass:env STORE_PASSWORD
  "$keytool" -exportcert -rfc -alias "$1" -keystore "$4" -storepass:env STORE_PASSWORD -file "$4.pem"
  "$keytool" -importcert -noprompt -alias "$1" -file "$4.pem" -keystore "$5" -storetype PKCS12 \
    -storepass:env STORE_PASSWORD
  rm "$4.pem"
}

client_properties() { # user password truststore-path
  cat <<PROPS
security.protocol=SASL_SSL
sasl.mechanism=PLAIN
sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="$1" password="$2";
ssl.truststore.type=PKCS12
ssl.truststore.location=$3
ssl.truststore.password=$STORE_PASSWORD
PROPS
}

# Kafka: the broker's stores (the image reads them from /etc/kafka/secrets, passwords from *_CREDENTIALS files).
export STORE_PASSWORD
STORE_PASSWORD="$(password)"
broker="$out/kafka-broker"
key_and_trust_store kafka CN=kafka "dns:kafka,dns:localhost,ip:127.0.0.1" \
  "$broker/kafka.keystore.p12" "$broker/kafka.truststore.p12"
printf '%s' "$STORE_PASSWORD" > "$broker/store_password"

admin_password="$(password)"
job_password="$(password)"
producer_password="$(password)"
# PLAIN accounts (user_<name>) and the broker's own login (username/password) for its controller and
# inter-broker connections; admin is the only super user (KAFKA_SUPER_USERS).
cat > "$broker/kafka_server_jaas.conf" <<JAAS
KafkaServer {
  org.apache.kafka.common.security.plain.PlainLoginModule required
  username="admin" password="$admin_password"
  user_admin="$admin_password"
  user_byot="$job_password"
  user_producer="$producer_password";
};
JAAS
client_properties admin "$admin_password" /etc/kafka/secrets/kafka.truststore.p12 > "$broker/admin-client.properties"

# Clients: the broker's trust store (it holds only the certificate) and a client file each. The paths are those
# the compose file mounts them at; the producer's is this host's, for `byot produce --client-config`.
for dir in kafka-admin kafka-job kafka-producer; do
  cp "$broker/kafka.truststore.p12" "$out/$dir/truststore.p12"
done
client_properties admin "$admin_password" /etc/byot/kafka-admin/truststore.p12 > "$out/kafka-admin/client.properties"
client_properties byot "$job_password" /etc/byot/kafka/truststore.p12 > "$out/kafka-job/client.properties"
client_properties producer "$producer_password" "$out/kafka-producer/truststore.p12" > "$out/kafka-producer/client.properties"

# Flink REST with mutual TLS: the JobManager serves with rest.keystore.p12 and accepts only clients whose
# certificate is in rest.truststore.p12, i.e. clients holding the same key store (the CLI in the containers,
# and a browser or curl given rest.keystore.p12 and its password).
STORE_PASSWORD="$(password)"
key_and_trust_store flink-rest CN=jobmanager "dns:jobmanager,dns:localhost,ip:127.0.0.1" \
  "$out/flink-rest/rest.keystore.p12" "$out/flink-rest/rest.truststore.p12"
printf '%s' "$STORE_PASSWORD" > "$out/flink-rest/store_password"

password > "$out/grafana_admin_password"

echo "secrets written to $out"
