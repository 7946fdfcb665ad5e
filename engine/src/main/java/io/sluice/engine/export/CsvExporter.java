package io.sluice.engine.export;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.sluice.engine.fault.FaultException;
import io.sluice.engine.fault.Faults;
import io.sluice.engine.json.Json;
import io.sluice.engine.plan.ColumnMapping;
import io.sluice.engine.plan.ExportProcessorSpec;
import io.sluice.engine.rows.RowSource;
import io.sluice.engine.types.RowSignature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Writes one worker's rows of an export stage as CSV files {@code <queryId>-worker<N>-partition<M>.csv}: a
 * header line of the output column names, then the rows (RFC 4180 quoting), a new file every {@code rowsPerFile}
 * rows. A worker without rows writes no file. The export directory must hold nothing but this query's files.
 */
public final class CsvExporter {
    private final ExportProcessorSpec spec;
    private final String queryId;
    private final int workerNumber;
    private final int[] positions;
    private final List<String> header;

    public CsvExporter(ExportProcessorSpec spec, RowSignature input, String queryId, int workerNumber) {
        this.spec = requireNonNull(spec, "spec is null");
        this.queryId = requireNonNull(queryId, "queryId is null");
        this.workerNumber = workerNumber;
        List<ColumnMapping> mappings = spec.columnMappings();
        this.positions = new int[mappings.size()];
        this.header = new ArrayList<>();
        for (int i = 0; i < positions.length; i++) {
            positions[i] = input.indexOf(mappings.get(i).queryColumn());
            if (positions[i] < 0) {
                throw new IllegalArgumentException(
                        "column [" + mappings.get(i).queryColumn() + "] not in input " + input.names());
            }
            header.add(mappings.get(i).outputColumn());
        }
    }

    /**
     * The start of the names of the files a query writes (the controller lists them for the manifest by it). Task ids
     * are {@code query-<uuid>}, so files are {@code query-<uuid>-worker<N>-partition<M>.csv} as in Druid.
     */
    public static String filePrefix(String queryId) {
        return queryId + "-worker";
    }

    public static String fileName(String queryId, int worker, int partition) {
        return filePrefix(queryId) + worker + "-partition" + partition + ".csv";
    }

    /** Writes all rows; returns the files written, in order. */
    public List<Path> write(RowSource rows) {
        Path dir = Path.of(spec.exportPath());
        checkEmpty(dir, queryId);
        List<Path> files = new ArrayList<>();
        Writer out = null;
        long inFile = 0;
        try {
            Object[] row;
            while ((row = rows.next()) != null) {
                if (out == null || inFile >= spec.rowsPerFile()) {
                    if (out != null) {
                        out.close();
                    }
                    Path file = dir.resolve(fileName(queryId, workerNumber, files.size()));
                    files.add(file);
                    out = Files.newBufferedWriter(file, StandardCharsets.UTF_8);
                    writeLine(out, header);
                    inFile = 0;
                }
                List<Object> values = new ArrayList<>(positions.length);
                for (int p : positions) {
                    values.add(row[p]);
                }
                writeLine(out, values);
                inFile++;
            }
            if (out != null) {
                Writer last = out;
                out = null;
                last.close();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Could not write export file in [" + dir + "]", e);
        } finally {
            if (out != null) { // failing: release the file handle, the query fails anyway
                try {
                    out.close();
                } catch (IOException e) {
                    // the original failure is what matters
                }
            }
        }
        return files;
    }

    /**
     * Creates the export directory when missing; fails when it holds anything but this query's files (another
     * worker of the same query may already have written some).
     */
    public static void checkEmpty(Path dir, String queryId) {
        try {
            Files.createDirectories(dir);
            try (Stream<Path> s = Files.list(dir)) {
                boolean foreign = s.anyMatch(p -> !p.getFileName().toString().startsWith(filePrefix(queryId)));
                if (foreign) {
                    throw new FaultException(Faults.unknownError("Found files at provided export destination[" + dir
                            + "]. Export is only allowed to an empty path. Please provide an empty path/subdirectory"
                            + " or move the existing files."));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Could not prepare export destination [" + dir + "]", e);
        }
    }

    /**
     * Writes {@code _symlink_format_manifest/manifest} in the export directory: the {@code file:/...} URIs of this query's
     * CSV files, one per line, ordered by worker and partition. Returns the manifest's path.
     */
    public static Path writeManifest(Path dir, String queryId) {
        try {
            Files.createDirectories(dir);
            List<Path> files;
            try (Stream<Path> s = Files.list(dir)) {
                files = new ArrayList<>(s.filter(p -> {
                            String n = p.getFileName().toString();
                            return n.startsWith(filePrefix(queryId)) && n.endsWith(".csv");
                        })
                        .toList());
            }
            files.sort((a, b) -> compareNames(a.getFileName().toString(), b.getFileName().toString(), queryId));
            Path manifestDir = dir.resolve("_symlink_format_manifest");
            Files.createDirectories(manifestDir);
            StringBuilder sb = new StringBuilder();
            for (Path f : files) {
                sb.append(f.toAbsolutePath().toFile().toURI()).append('\n');
            }
            Path manifest = manifestDir.resolve("manifest");
            Files.writeString(manifest, sb, StandardCharsets.UTF_8);
            return manifest;
        } catch (IOException e) {
            throw new UncheckedIOException("Could not write the export manifest in [" + dir + "]", e);
        }
    }

    private static int compareNames(String a, String b, String queryId) {
        long[] x = workerAndPartition(a, queryId);
        long[] y = workerAndPartition(b, queryId);
        int c = Long.compare(x[0], y[0]);
        return c != 0 ? c : Long.compare(x[1], y[1]);
    }

    private static long[] workerAndPartition(String name, String queryId) {
        String rest = name.substring(filePrefix(queryId).length(), name.length() - ".csv".length());
        int dash = rest.indexOf("-partition");
        try {
            return new long[] {
                Long.parseLong(rest.substring(0, dash)), Long.parseLong(rest.substring(dash + "-partition".length()))
            };
        } catch (RuntimeException e) {
            return new long[] {Long.MAX_VALUE, Long.MAX_VALUE};
        }
    }

    static void writeLine(Writer out, List<?> values) throws IOException {
        for (int i = 0; i < values.size(); i++) {
            if (i > 0) {
                out.write(',');
            }
            out.write(quote(format(values.get(i))));
        }
        out.write('\n');
    }

    /** The text of a value: empty for NULL, JSON for arrays, multi-value strings and complex values. */
    static String format(Object v) {
        if (v == null) {
            return "";
        }
        if (v instanceof String s) {
            return s;
        }
        if (v instanceof Number || v instanceof Boolean) {
            return String.valueOf(v);
        }
        try {
            return Json.MAPPER.writeValueAsString(v);
        } catch (JsonProcessingException e) {
            return String.valueOf(v);
        }
    }

    /** RFC 4180: a field with a comma, a double quote or a line break is quoted, inner quotes doubled. */
    static String quote(String s) {
        boolean needs = false;
        for (int i = 0; i < s.length() && !needs; i++) {
            char c = s.charAt(i);
            needs = c == ',' || c == '"' || c == '\n' || c == '\r';
        }
        return needs ? '"' + s.replace("\"", "\"\"") + '"' : s;
    }
}
