package io.sluice.engine.input;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sluice.engine.rows.RowSource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Helpers for the input tests: JSON literals, draining sources, and locating the shared data directory. */
final class TestInputs {
    static final ObjectMapper MAPPER = new ObjectMapper();
    static final String WIKITICKER = "wikiticker-2015-09-12-sampled.json.gz";

    private TestInputs() {}

    static ObjectNode json(String text) {
        try {
            return (ObjectNode) MAPPER.readTree(text);
        } catch (Exception e) {
            throw new IllegalArgumentException(text, e);
        }
    }

    static List<Object[]> drain(RowSource source) {
        List<Object[]> out = new ArrayList<>();
        try (source) {
            for (Object[] row = source.next(); row != null; row = source.next()) {
                out.add(row);
            }
        }
        return out;
    }

    /**
     * The shared data directory: {@code /work/shared/data}, or {@code shared/data} beside the repository (looked for
     * in every ancestor of the working directory).
     */
    static Optional<Path> sharedData() {
        Path fixed = Path.of("/work/shared/data");
        if (Files.isRegularFile(fixed.resolve(WIKITICKER))) {
            return Optional.of(fixed);
        }
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            Path candidate = d.resolve("shared").resolve("data");
            if (Files.isRegularFile(candidate.resolve(WIKITICKER))) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }
}
