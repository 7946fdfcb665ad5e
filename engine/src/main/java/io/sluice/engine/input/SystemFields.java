package io.sluice.engine.input;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sluice.engine.types.RowSignature;
import java.net.URI;
import java.nio.file.Path;

/**
 * Druid's input-source {@code systemFields}: {@code __file_uri} and {@code __file_path} columns filled with the
 * split's file URI and path, when the source lists them in {@code systemFields} and the signature asks for them.
 */
final class SystemFields {
    static final String FILE_URI = "__file_uri";
    static final String FILE_PATH = "__file_path";

    private SystemFields() {}

    /** Wraps {@code source} if any system field is requested; otherwise returns it unchanged. */
    static CountingRowSource apply(CountingRowSource source, InputSplit split, RowSignature signature) {
        JsonNode requested = split.source().get("systemFields");
        if (requested == null || !requested.isArray() || requested.isEmpty()) {
            return source;
        }
        int uriCol = enabled(requested, FILE_URI) ? signature.indexOf(FILE_URI) : -1;
        int pathCol = enabled(requested, FILE_PATH) ? signature.indexOf(FILE_PATH) : -1;
        if (uriCol < 0 && pathCol < 0) {
            return source;
        }
        String uri = fileUri(split.source(), split.description());
        String path = filePath(split.source());
        return new CountingRowSource() {
            @Override
            public Object[] next() {
                Object[] row = source.next();
                if (row != null) {
                    if (uriCol >= 0) {
                        row[uriCol] = uri;
                    }
                    if (pathCol >= 0) {
                        row[pathCol] = path;
                    }
                }
                return row;
            }

            @Override
            public long bytesRead() {
                return source.bytesRead();
            }

            @Override
            public long uncompressedBytesRead() {
                return source.uncompressedBytesRead();
            }

            @Override
            public long rowsRead() {
                return source.rowsRead();
            }

            @Override
            public void close() {
                source.close();
            }
        };
    }

    private static boolean enabled(JsonNode requested, String name) {
        for (JsonNode n : requested) {
            if (name.equals(n.asText())) {
                return true;
            }
        }
        return false;
    }

    private static String fileUri(ObjectNode source, String description) {
        if ("local".equals(source.path("type").asText())) {
            return Path.of(source.get("files").get(0).asText()).toFile().toURI().toString();
        }
        return description;
    }

    private static String filePath(ObjectNode source) {
        return switch (source.path("type").asText()) {
            case "local" -> source.get("files").get(0).asText();
            case "http" -> URI.create(source.get("uris").get(0).asText()).getPath();
            default -> null;
        };
    }
}
