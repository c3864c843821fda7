package byot.stream.broker;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.SplittableRandom;

/**
 * Free ports on a loopback address for servers a test or a local cluster starts, picked below Linux's ephemeral
 * range (32768-60999). A port is only reserved once its server binds it; one picked from the ephemeral range (as
 * {@code new ServerSocket(0)} does) can meanwhile become the local end of some outgoing connection, a client's of
 * the cluster torn down a moment before, and the server then fails to bind it: seen in CI for a JobManager and
 * for the broker's controller listener.
 */
public final class LoopbackPorts {

    private static final int FROM = 20_000;
    private static final int TO = 32_000;

    private LoopbackPorts() {
    }

    /** A port between 20000 and 32000 that nothing listens on now. */
    public static int free(String host) throws IOException {
        SplittableRandom random = new SplittableRandom();
        InetAddress address = InetAddress.getByName(host);
        for (int attempt = 0; attempt < 200; attempt++) {
            int port = random.nextInt(FROM, TO);
            try (ServerSocket s = new ServerSocket(port, 1, address)) {
                return s.getLocalPort();
            } catch (IOException taken) {
                // try another
            }
        }
        throw new IOException("no free port between " + FROM + " and " + TO + " on " + host);
    }
}
