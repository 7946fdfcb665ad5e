package io.sluice.engine.input;

import static io.sluice.engine.input.TestInputs.drain;
import static io.sluice.engine.input.TestInputs.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import io.sluice.engine.fault.FaultException;
import io.sluice.engine.types.ColumnType;
import io.sluice.engine.types.RowSignature;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The http input source against a JDK HTTP server on an ephemeral port: auth, compression by URI suffix. */
class HttpInputTest {
    private static final RowSignature SIG = RowSignature.builder()
            .add("a", ColumnType.STRING)
            .add("b", ColumnType.LONG)
            .build();
    private static final String EXPECTED_AUTH =
            "Basic " + Base64.getEncoder().encodeToString("user:secret".getBytes(StandardCharsets.UTF_8));

    private HttpServer server;
    private String base;

    @BeforeEach
    void start() throws IOException {
        byte[] csv = "a,b\nx,1\ny,2\n".getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (OutputStream out = new GZIPOutputStream(gz)) {
            out.write(csv);
        }
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            String path = exchange.getRequestURI().getPath();
            byte[] body = path.endsWith(".gz") ? gz.toByteArray() : csv;
            if (path.startsWith("/private/")
                    && !EXPECTED_AUTH.equals(exchange.getRequestHeaders().getFirst("Authorization"))) {
                exchange.sendResponseHeaders(401, -1);
                exchange.close();
                return;
            }
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
        base = "http://127.0.0.1:" + server.getAddress().getPort();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private List<Object[]> read(String source) {
        InputSplit split = InputSources.split(json(source)).get(0);
        return drain(InputFormats.open(split, json("{\"type\":\"csv\",\"findColumnsFromHeader\":true}"), SIG,
                e -> {}));
    }

    @Test
    void plainAndGzipBySuffix() {
        assertThat(read("{\"type\":\"http\",\"uris\":[\"" + base + "/t.csv\"]}")).hasSize(2);
        List<Object[]> rows = read("{\"type\":\"http\",\"uris\":[\"" + base + "/t.csv.gz?x=1\"]}");
        assertThat(rows).hasSize(2);
        assertThat(rows.get(1)).containsExactly("y", 2L);
    }

    @Test
    void basicAuthWithPlainAndDefaultPasswordProvider() {
        assertThat(read("{\"type\":\"http\",\"uris\":[\"" + base + "/private/t.csv\"],"
                + "\"httpAuthenticationUsername\":\"user\",\"httpAuthenticationPassword\":\"secret\"}")).hasSize(2);
        assertThat(read("{\"type\":\"http\",\"uris\":[\"" + base + "/private/t.csv\"],"
                + "\"httpAuthenticationUsername\":\"user\",\"httpAuthenticationPassword\":"
                + "{\"type\":\"default\",\"password\":\"secret\"}}")).hasSize(2);
    }

    @Test
    void wrongCredentialsAreUnknownError() {
        String uri = base + "/private/t.csv";
        assertThatThrownBy(() -> read("{\"type\":\"http\",\"uris\":[\"" + uri + "\"],"
                + "\"httpAuthenticationUsername\":\"user\",\"httpAuthenticationPassword\":\"wrong\"}"))
                .isInstanceOfSatisfying(FaultException.class,
                        e -> assertThat(e.fault().errorMessage()).isEqualTo("Failed to read [" + uri + "]: HTTP 401"));
    }

    @Test
    void unknownPasswordProviderIsInvalid() {
        assertThatThrownBy(() -> InputSources.validate(json("{\"type\":\"http\",\"uris\":[\"" + base + "/t.csv\"],"
                + "\"httpAuthenticationUsername\":\"u\",\"httpAuthenticationPassword\":{\"type\":\"vault\"}}")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'vault'");
    }

    @Test
    void connectionRefusedIsUnknownError() throws IOException {
        int port;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        String uri = "http://127.0.0.1:" + port + "/gone.csv";
        assertThatThrownBy(() -> read("{\"type\":\"http\",\"uris\":[\"" + uri + "\"]}"))
                .isInstanceOfSatisfying(FaultException.class, e -> {
                    assertThat(e.fault().errorCode()).isEqualTo("UnknownError");
                    assertThat(e.fault().errorMessage()).startsWith("Failed to read [" + uri + "]");
                });
    }
}
