package io.sluice.engine.input;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.luben.zstd.ZstdInputStream;
import io.sluice.engine.fault.FaultException;
import io.sluice.engine.fault.Faults;
import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipInputStream;
import org.apache.commons.compress.compressors.bzip2.BZip2CompressorInputStream;
import org.apache.commons.compress.compressors.snappy.FramedSnappyCompressorInputStream;
import org.apache.commons.compress.compressors.xz.XZCompressorInputStream;

/** Opens the bytes of a split: raw stream, byte counting, then decompression chosen by the name's suffix. */
final class Streams {
    static final int BUFFER_SIZE = 1 << 16;

    private Streams() {}

    /** The opened split: {@code raw} counts bytes from the file/network, {@code data} is decompressed. */
    record Opened(CountingInputStream raw, InputStream data) {}

    static Opened open(InputSplit split) {
        ObjectNode src = split.source();
        String type = InputSources.typeOf(src);
        InputStream in;
        String name;
        switch (type) {
            case "local" -> {
                name = src.get("files").get(0).asText();
                try {
                    in = new FileInputStream(name);
                } catch (IOException e) {
                    throw new FaultException(Faults.unknownError("Failed to read [" + split.description() + "]: "
                            + e.getMessage()), e);
                }
            }
            case "http" -> {
                String uri = src.get("uris").get(0).asText();
                String path = URI.create(uri).getPath();
                name = path == null ? "" : path;
                in = HttpReader.open(src, uri);
            }
            case "inline" -> {
                name = "";
                in = new ByteArrayInputStream(src.get("data").asText().getBytes(StandardCharsets.UTF_8));
            }
            default -> throw new IllegalArgumentException("Could not resolve type id '" + type
                    + "' as a subtype of InputSource known type ids = " + InputSources.KNOWN_TYPES);
        }
        CountingInputStream raw = new CountingInputStream(in);
        try {
            InputStream data = decompress(raw, name);
            // Decompression runs on its own thread, ahead of the parser.
            return new Opened(raw, data == raw ? raw : new ReadAheadInputStream(data, fileName(name)));
        } catch (IOException | RuntimeException | LinkageError e) {
            try {
                raw.close();
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            if (e instanceof FaultException fe) {
                throw fe;
            }
            throw new FaultException(Faults.unknownError("Failed to read [" + split.description() + "]: " + e), e);
        }
    }

    /** Wraps {@code in} in a decompressor for {@code .gz}, {@code .bz2}, {@code .xz}, {@code .zst}, {@code .sz}, {@code .zip}. */
    static InputStream decompress(InputStream in, String name) throws IOException {
        String n = name.toLowerCase(Locale.ROOT);
        if (n.endsWith(".gz")) {
            return new GZIPInputStream(in, BUFFER_SIZE);
        }
        if (n.endsWith(".bz2")) {
            return new BZip2CompressorInputStream(new BufferedInputStream(in, BUFFER_SIZE), true);
        }
        if (n.endsWith(".zst")) {
            return new ZstdInputStream(new BufferedInputStream(in, BUFFER_SIZE));
        }
        if (n.endsWith(".sz")) {
            return new FramedSnappyCompressorInputStream(new BufferedInputStream(in, BUFFER_SIZE));
        }
        if (n.endsWith(".xz")) {
            if (!xzAvailable()) {
                throw new FaultException(Faults.unknownError("Cannot read [" + name + "]: xz decompression needs"
                        + " org.tukaani:xz on the classpath"));
            }
            return new XZCompressorInputStream(new BufferedInputStream(in, BUFFER_SIZE), true);
        }
        if (n.endsWith(".zip")) {
            ZipInputStream zip = new ZipInputStream(new BufferedInputStream(in, BUFFER_SIZE));
            if (zip.getNextEntry() == null) {
                return new ByteArrayInputStream(new byte[0]);
            }
            return zip; // like Druid, the first entry only
        }
        return in;
    }

    private static String fileName(String path) {
        int slash = path.lastIndexOf('/');
        return slash < 0 ? path : path.substring(slash + 1);
    }

    private static boolean xzAvailable() {
        try {
            Class.forName("org.tukaani.xz.XZInputStream", false, Streams.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException e) {
            return false;
        }
    }
}
