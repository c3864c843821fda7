package byot.stream.tools.monitor;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

/**
 * The monitor's web server, on 127.0.0.1 only: the page ({@code /}, its script and style, from the classpath
 * folder {@code monitor/}) and {@code /api/state}, the current {@link MonitorSnapshot} as JSON.
 */
public final class MonitorServer implements AutoCloseable {
    private static final String API_STATE = "/api/state";
    /** Path, classpath resource and content type of every static file; nothing else is served. */
    private static final Map<String, Asset> ASSETS = Map.of(
            "/", new Asset("monitor/index.html", "text/html; charset=utf-8"),
            "/app.js", new Asset("monitor/app.js", "text/javascript; charset=utf-8"),
            "/style.css", new Asset("monitor/style.css", "text/css; charset=utf-8"));

    private record Asset(String resource, String contentType) {}

    private final HttpServer server;
    private final ExecutorService executor;
    private final ObjectMapper json = JsonMapper.builder().build();

    private MonitorServer(HttpServer server, ExecutorService executor) {
        this.server = server;
        this.executor = executor;
    }

    /** Binds 127.0.0.1:{@code port} (0 picks a free port) and serves {@code state} until {@link #close()}. */
    public static MonitorServer start(int port, Supplier<MonitorSnapshot> state) throws IOException {
        Map<String, byte[]> bodies = new HashMap<>();
        for (var e : ASSETS.entrySet()) {
            bodies.put(e.getKey(), load(e.getValue().resource()));
        }
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 16);
        ExecutorService executor = Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "byot-monitor-http");
            t.setDaemon(true);
            return t;
        });
        MonitorServer monitor = new MonitorServer(server, executor);
        server.createContext("/", exchange -> monitor.handle(exchange, bodies, state));
        server.setExecutor(executor);
        server.start();
        return monitor;
    }

    private void handle(HttpExchange exchange, Map<String, byte[]> bodies, Supplier<MonitorSnapshot> state) throws IOException {
        try (exchange) {
            String method = exchange.getRequestMethod();
            if (!method.equals("GET") && !method.equals("HEAD")) {
                exchange.getResponseHeaders().set("Allow", "GET, HEAD");
                send(exchange, 405, "text/plain; charset=utf-8", "only GET and HEAD\n".getBytes(StandardCharsets.UTF_8));
                return;
            }
            String path = exchange.getRequestURI().getPath();
            if (path.equals(API_STATE)) {
                exchange.getResponseHeaders().set("Cache-Control", "no-store");
                send(exchange, 200, "application/json", json.writeValueAsBytes(state.get()));
            } else if (ASSETS.containsKey(path)) {
                send(exchange, 200, ASSETS.get(path).contentType(), bodies.get(path));
            } else {
                send(exchange, 404, "text/plain; charset=utf-8", ("no such page: " + path + "\n").getBytes(StandardCharsets.UTF_8));
            }
        }
    }

    private static void send(HttpExchange exchange, int status, String contentType, byte[] body) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", contentType);
        boolean head = exchange.getRequestMethod().equals("HEAD");
        exchange.sendResponseHeaders(status, head ? -1 : body.length);
        if (!head) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }

    private static byte[] load(String resource) throws IOException {
        try (InputStream in = MonitorServer.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("resource " + resource + " missing from the classpath (a broken build)");
            }
            return in.readAllBytes();
        }
    }

    public URI url() {
        InetSocketAddress address = server.getAddress();
        return URI.create("http://" + address.getAddress().getHostAddress() + ":" + address.getPort() + "/");
    }

    public InetSocketAddress address() {
        return server.getAddress();
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
