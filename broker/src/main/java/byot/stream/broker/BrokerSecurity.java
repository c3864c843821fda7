package byot.stream.broker;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A secured {@link EmbeddedKafkaBroker}: clients connect over TLS and authenticate with SASL/PLAIN, and KRaft's
 * {@code StandardAuthorizer} allows only what ACLs grant. The broker's own connections (to its controller, and to
 * itself as inter-broker traffic) authenticate as {@code adminUser}, the one super user; the controller listener
 * stays on 127.0.0.1 without TLS but with SASL, so an unauthenticated client cannot use it either.
 *
 * @param keyStore PKCS12 key store holding the broker's key and a certificate valid for 127.0.0.1
 * @param trustStore PKCS12 trust store that trusts that certificate, for the broker's own client connections
 * @param users SASL/PLAIN user names and passwords besides {@code adminUser}
 */
public record BrokerSecurity(Path keyStore, String keyStorePassword, Path trustStore, String trustStorePassword,
        String adminUser, String adminPassword, Map<String, String> users) {

    public static final String MECHANISM = "PLAIN";
    static final String LISTENER = "SASL_SSL";

    public BrokerSecurity {
        Objects.requireNonNull(keyStore, "keyStore");
        Objects.requireNonNull(trustStore, "trustStore");
        Objects.requireNonNull(keyStorePassword, "keyStorePassword");
        Objects.requireNonNull(trustStorePassword, "trustStorePassword");
        Objects.requireNonNull(adminUser, "adminUser");
        Objects.requireNonNull(adminPassword, "adminPassword");
        users = Map.copyOf(users);
        if (users.containsKey(adminUser)) {
            throw new IllegalArgumentException("user " + adminUser + " is the admin user already");
        }
    }

    /** Broker settings for a SASL_SSL client listener and a SASL_PLAINTEXT controller listener on loopback. */
    Map<String, String> serverProperties(String host, int port, int controllerPort) {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("listeners", LISTENER + "://" + host + ":" + port + ",CONTROLLER://" + host + ":" + controllerPort);
        p.put("advertised.listeners", LISTENER + "://" + host + ":" + port);
        p.put("listener.security.protocol.map", LISTENER + ":SASL_SSL,CONTROLLER:SASL_PLAINTEXT");
        p.put("inter.broker.listener.name", LISTENER);
        p.put("sasl.enabled.mechanisms", MECHANISM);
        p.put("sasl.mechanism.inter.broker.protocol", MECHANISM);
        p.put("sasl.mechanism.controller.protocol", MECHANISM);
        // Server side: the user_<name> entries are the accounts; client side: username/password is the broker's own.
        String jaas = serverJaas();
        p.put("listener.name." + LISTENER.toLowerCase() + ".plain.sasl.jaas.config", jaas);
        p.put("listener.name.controller.plain.sasl.jaas.config", jaas);
        p.put("ssl.keystore.type", "PKCS12");
        p.put("ssl.keystore.location", keyStore.toString());
        p.put("ssl.keystore.password", keyStorePassword);
        p.put("ssl.truststore.type", "PKCS12");
        p.put("ssl.truststore.location", trustStore.toString());
        p.put("ssl.truststore.password", trustStorePassword);
        p.put("authorizer.class.name", "org.apache.kafka.metadata.authorizer.StandardAuthorizer");
        p.put("super.users", "User:" + adminUser);
        p.put("allow.everyone.if.no.acl.found", "false");
        return p;
    }

    /** Client settings (besides bootstrap.servers) to connect as {@code user}; the admin user included. */
    public Map<String, String> clientSettings(String user, String password) {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("security.protocol", "SASL_SSL");
        p.put("sasl.mechanism", MECHANISM);
        p.put("sasl.jaas.config", "org.apache.kafka.common.security.plain.PlainLoginModule required username=\""
                + user + "\" password=\"" + password + "\";");
        p.put("ssl.truststore.type", "PKCS12");
        p.put("ssl.truststore.location", trustStore.toString());
        p.put("ssl.truststore.password", trustStorePassword);
        return p;
    }

    public Map<String, String> adminClientSettings() {
        return clientSettings(adminUser, adminPassword);
    }

    private String serverJaas() {
        StringBuilder jaas = new StringBuilder("org.apache.kafka.common.security.plain.PlainLoginModule required")
                .append(" username=\"").append(adminUser).append("\" password=\"").append(adminPassword).append('"')
                .append(" user_").append(adminUser).append("=\"").append(adminPassword).append('"');
        users.forEach((name, password) -> jaas.append(" user_").append(name).append("=\"").append(password).append('"'));
        return jaas.append(';').toString();
    }
}
