package io.sluice.engine.input;

import static io.sluice.engine.input.TestInputs.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import io.sluice.engine.fault.FaultException;
import io.sluice.engine.types.ColumnType;
import io.sluice.engine.types.RowSignature;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Reads the shared 39,244-row wikiticker sample through the local and http input sources. */
class WikitickerTest {
    private static final long ROWS = 39_244;
    private static final long UNCOMPRESSED_BYTES = 17_106_256; // Druid's input0 "bytes" counter for this file
    private static final RowSignature SIG = RowSignature.builder()
            .add("time", ColumnType.STRING)
            .add("channel", ColumnType.STRING)
            .add("cityName", ColumnType.STRING)
            .add("isRobot", ColumnType.STRING)
            .add("metroCode", ColumnType.LONG)
            .add("user", ColumnType.STRING)
            .add("delta", ColumnType.LONG)
            .add("added", ColumnType.LONG)
            .add("deleted", ColumnType.DOUBLE)
            .build();
    private static final ObjectNode JSON = json("{\"type\":\"json\",\"keepNullColumns\":false,"
            + "\"assumeNewlineDelimited\":false,\"useJsonNodeReader\":false}");

    private Path data;
    private HttpServer server;

    @BeforeEach
    void locateData() {
        Optional<Path> shared = TestInputs.sharedData();
        assumeTrue(shared.isPresent(), "shared/data with " + TestInputs.WIKITICKER + " not found");
        data = shared.get();
    }

    @AfterEach
    void stopServer() {
        if (server != null) {
            server.stop(0);
        }
    }

    private static void readAndCheck(InputSplit split, long expectedRawBytes) {
        long rows = 0;
        long added = 0;
        long delta = 0;
        long cities = 0;
        long metroCodes = 0;
        Object[] first = null;
        Object[] last = null;
        try (CountingRowSource source = InputFormats.open(split, JSON, SIG, new ParseErrorPolicy(0))) {
            for (Object[] row = source.next(); row != null; row = source.next()) {
                if (first == null) {
                    first = row;
                }
                last = row;
                rows++;
                added += (Long) row[7];
                delta += (Long) row[6];
                cities += row[2] == null ? 0 : 1;
                metroCodes += row[4] == null ? 0 : 1;
            }
            assertThat(source.rowsRead()).isEqualTo(ROWS);
            assertThat(source.uncompressedBytesRead()).isEqualTo(UNCOMPRESSED_BYTES);
            assertThat(source.bytesRead()).isEqualTo(expectedRawBytes);
        }
        assertThat(rows).isEqualTo(ROWS);
        assertThat(added).isEqualTo(9_385_573L);
        assertThat(delta).isEqualTo(8_991_275L);
        assertThat(cities).isEqualTo(2_153);
        assertThat(metroCodes).isEqualTo(427);
        assertThat(first).containsExactly("2015-09-12T00:46:58.771Z", "#en.wikipedia", null, "false", null,
                "GELongstreet", 36L, 36L, 0.0d);
        assertThat(last).containsExactly("2015-09-12T23:59:59.200Z", "#en.wikipedia", null, "false", null,
                "Eva.pascoe", 182L, 182L, 0.0d);
    }

    @Test
    void localBaseDirAndFilter() throws Exception {
        ObjectNode src = json("{\"type\":\"local\",\"filter\":\"" + TestInputs.WIKITICKER + "\"}");
        src.put("baseDir", data.toString());
        List<InputSplit> splits = InputSources.split(src);
        assertThat(splits).singleElement().satisfies(s -> {
            assertThat(s.description()).isEqualTo("file:" + data.resolve(TestInputs.WIKITICKER).toAbsolutePath());
            assertThat(s.sizeBytes()).isEqualTo(Files.size(data.resolve(TestInputs.WIKITICKER)));
        });
        readAndCheck(splits.get(0), Files.size(data.resolve(TestInputs.WIKITICKER)));
    }

    @Test
    void localWildcardFilter() {
        ObjectNode src = json("{\"type\":\"local\",\"filter\":\"wikiticker-*.json.gz\"}");
        src.put("baseDir", data.toString());
        assertThat(InputSources.split(src)).extracting(InputSplit::description)
                .containsExactly("file:" + data.resolve(TestInputs.WIKITICKER).toAbsolutePath());
    }

    private String serve() throws Exception {
        byte[] file = Files.readAllBytes(data.resolve(TestInputs.WIKITICKER));
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/data/", exchange -> {
            if (exchange.getRequestURI().getPath().equals("/data/" + TestInputs.WIKITICKER)) {
                exchange.sendResponseHeaders(200, file.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(file);
                }
            } else if (exchange.getRequestURI().getPath().equals("/data/moved.json.gz")) {
                exchange.getResponseHeaders().add("Location", "/data/" + TestInputs.WIKITICKER);
                exchange.sendResponseHeaders(302, -1);
                exchange.close();
            } else {
                exchange.sendResponseHeaders(404, -1);
                exchange.close();
            }
        });
        server.start();
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/data/";
    }

    @Test
    void http() throws Exception {
        String base = serve();
        List<InputSplit> splits = InputSources.split(json("{\"type\":\"http\",\"uris\":[\"" + base
                + TestInputs.WIKITICKER + "\"]}"));
        assertThat(splits).singleElement().satisfies(s -> {
            assertThat(s.description()).isEqualTo(base + TestInputs.WIKITICKER);
            assertThat(s.sizeBytes()).isEqualTo(-1);
        });
        readAndCheck(splits.get(0), Files.size(data.resolve(TestInputs.WIKITICKER)));
    }

    @Test
    void httpFollowsRedirects() throws Exception {
        String base = serve();
        InputSplit split = InputSources.split(json("{\"type\":\"http\",\"uris\":[\"" + base
                + "moved.json.gz\"]}")).get(0);
        readAndCheck(split, Files.size(data.resolve(TestInputs.WIKITICKER)));
    }

    @Test
    void httpNotFoundIsUnknownError() throws Exception {
        String uri = serve() + "nope.json";
        InputSplit split = InputSources.split(json("{\"type\":\"http\",\"uris\":[\"" + uri + "\"]}")).get(0);
        assertThatThrownBy(() -> InputFormats.open(split, JSON, SIG, e -> {}))
                .isInstanceOfSatisfying(FaultException.class, e -> {
                    assertThat(e.fault().errorCode()).isEqualTo("UnknownError");
                    assertThat(e.fault().errorMessage()).isEqualTo("Failed to read [" + uri + "]: HTTP 404");
                });
    }
}
