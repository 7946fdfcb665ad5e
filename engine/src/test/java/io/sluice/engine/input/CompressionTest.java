package io.sluice.engine.input;

import static io.sluice.engine.input.TestInputs.drain;
import static io.sluice.engine.input.TestInputs.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.luben.zstd.ZstdOutputStream;
import io.sluice.engine.fault.FaultException;
import io.sluice.engine.types.ColumnType;
import io.sluice.engine.types.RowSignature;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.apache.commons.compress.compressors.bzip2.BZip2CompressorOutputStream;
import org.apache.commons.compress.compressors.snappy.FramedSnappyCompressorOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CompressionTest {
    private static final RowSignature SIG = RowSignature.builder().add("i", ColumnType.LONG).build();
    private static final ObjectNode JSON = json("{\"type\":\"json\"}");

    @TempDir
    Path dir;

    private interface Compressor {
        OutputStream wrap(OutputStream out) throws IOException;
    }

    private static byte[] content() {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 5000; i++) {
            sb.append("{\"i\":").append(i).append(",\"pad\":\"").append("x".repeat(i % 50)).append("\"}\n");
        }
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    private Path write(String name, Compressor c) throws IOException {
        Path p = dir.resolve(name);
        try (OutputStream out = c.wrap(Files.newOutputStream(p))) {
            out.write(content());
        }
        return p;
    }

    private static InputSplit local(Path p) {
        ObjectNode src = json("{\"type\":\"local\"}");
        src.putArray("files").add(p.toString());
        return InputSources.split(src).get(0);
    }

    private static void assertReadsAll(Path p) throws IOException {
        InputSplit split = local(p);
        try (CountingRowSource source = InputFormats.open(split, JSON, SIG, e -> {
            throw new AssertionError(e.toString());
        })) {
            long expected = 0;
            for (Object[] row = source.next(); row != null; row = source.next()) {
                assertThat(row[0]).isEqualTo(expected++);
            }
            assertThat(expected).isEqualTo(5000);
            assertThat(source.rowsRead()).isEqualTo(5000);
            assertThat(source.bytesRead()).as("raw bytes of %s", p).isEqualTo(Files.size(p));
            assertThat(source.uncompressedBytesRead()).isEqualTo(content().length);
        }
    }

    @Test
    void plainFile() throws IOException {
        assertReadsAll(write("plain.json", out -> out));
    }

    @Test
    void gzip() throws IOException {
        Path p = write("data.json.gz", GZIPOutputStream::new);
        assertThat(Files.size(p)).isLessThan(content().length);
        assertReadsAll(p);
    }

    @Test
    void gzipWithUpperCaseSuffix() throws IOException {
        assertReadsAll(write("DATA.JSON.GZ", GZIPOutputStream::new));
    }

    @Test
    void bzip2() throws IOException {
        assertReadsAll(write("data.json.bz2", BZip2CompressorOutputStream::new));
    }

    @Test
    void zstd() throws IOException {
        assertReadsAll(write("data.json.zst", ZstdOutputStream::new));
    }

    @Test
    void snappyFramed() throws IOException {
        assertReadsAll(write("data.json.sz", FramedSnappyCompressorOutputStream::new));
    }

    @Test
    void zipFirstEntry() throws IOException {
        assertReadsAll(write("data.json.zip", out -> {
            ZipOutputStream zip = new ZipOutputStream(out);
            zip.putNextEntry(new ZipEntry("data.json"));
            return zip;
        }));
    }

    @Test
    void corruptGzipIsUnknownError() throws IOException {
        Path p = dir.resolve("bad.json.gz");
        Files.writeString(p, "this is not gzip");
        assertThatThrownBy(() -> drain(InputFormats.open(local(p), JSON, SIG, e -> {})))
                .isInstanceOfSatisfying(FaultException.class, e -> {
                    assertThat(e.fault().errorCode()).isEqualTo("UnknownError");
                    assertThat(e.fault().errorMessage()).contains("file:" + p);
                });
    }

    @Test
    void truncatedGzipIsUnknownError() throws IOException {
        Path p = write("cut.json.gz", GZIPOutputStream::new);
        byte[] all = Files.readAllBytes(p);
        Files.write(p, java.util.Arrays.copyOf(all, all.length / 2));
        assertThatThrownBy(() -> drain(InputFormats.open(local(p), JSON, SIG, e -> {})))
                .isInstanceOfSatisfying(FaultException.class,
                        e -> assertThat(e.fault().errorCode()).isEqualTo("UnknownError"));
    }

    @Test
    void csvInsideGzip() throws IOException {
        Path p = dir.resolve("t.csv.gz");
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(p))) {
            out.write("i,s\n1,a\n2,b\n".getBytes(StandardCharsets.UTF_8));
        }
        RowSignature sig = RowSignature.builder().add("s", ColumnType.STRING).add("i", ColumnType.LONG).build();
        List<Object[]> rows = drain(InputFormats.open(local(p), json("{\"type\":\"csv\",\"findColumnsFromHeader\":true}"),
                sig, e -> {}));
        assertThat(rows).hasSize(2);
        assertThat(rows.get(1)).containsExactly("b", 2L);
    }

    @Test
    void xzWithoutTheXzLibraryIsAClearUnknownError() throws IOException {
        Path p = dir.resolve("data.json.xz");
        Files.write(p, new byte[] {(byte) 0xFD, '7', 'z', 'X', 'Z', 0});
        boolean xzPresent;
        try {
            Class.forName("org.tukaani.xz.XZInputStream");
            xzPresent = true;
        } catch (ClassNotFoundException e) {
            xzPresent = false;
        }
        org.junit.jupiter.api.Assumptions.assumeFalse(xzPresent, "org.tukaani:xz is on the classpath");
        assertThatThrownBy(() -> InputFormats.open(local(p), JSON, SIG, e -> {}))
                .isInstanceOfSatisfying(FaultException.class, e -> {
                    assertThat(e.fault().errorCode()).isEqualTo("UnknownError");
                    assertThat(e.fault().errorMessage()).contains("xz");
                });
    }
}
