package io.sluice.engine.export;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.engine.fault.FaultException;
import io.sluice.engine.plan.ColumnMapping;
import io.sluice.engine.plan.ExportProcessorSpec;
import io.sluice.engine.rows.RowSource;
import io.sluice.engine.types.ColumnType;
import io.sluice.engine.types.RowSignature;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CsvExporterTest {
    private static final RowSignature IN = RowSignature.builder()
            .add("v0", ColumnType.LONG)
            .add("dim1", ColumnType.STRING)
            .add("j", ColumnType.COMPLEX_JSON)
            .build();

    @TempDir
    Path tmp;

    private static RowSource source(Object[]... rows) {
        var it = Arrays.asList(rows).iterator();
        return () -> it.hasNext() ? it.next() : null;
    }

    private ExportProcessorSpec spec(Path dir, long rowsPerFile) {
        return new ExportProcessorSpec(dir.toString(), "csv",
                List.of(new ColumnMapping("dim1", "dim"), new ColumnMapping("v0", "cnt"), new ColumnMapping("j", "c")),
                rowsPerFile);
    }

    @Test
    void writesHeaderAndRfc4180QuotedRows() throws Exception {
        Path dir = tmp.resolve("out");
        List<Path> files = new CsvExporter(spec(dir, 100), IN, "query-q1", 0).write(source(
                new Object[] {1L, "", Map.of("c", 1)},
                new Object[] {2L, "a,b", null},
                new Object[] {null, "say \"hi\"\nbye", null}));
        assertThat(files).containsExactly(dir.resolve("query-q1-worker0-partition0.csv"));
        assertThat(Files.readString(files.get(0))).isEqualTo(
                "dim,cnt,c\n,1,\"{\"\"c\"\":1}\"\n\"a,b\",2,\n\"say \"\"hi\"\"\nbye\",,\n");
    }

    @Test
    void startsANewFileEveryRowsPerFileRowsAndTheManifestListsThemInOrder() throws Exception {
        Path dir = tmp.resolve("paged");
        Object[][] rows = new Object[12][];
        for (int i = 0; i < rows.length; i++) {
            rows[i] = new Object[] {(long) i, "d" + i, null};
        }
        List<Path> files = new CsvExporter(spec(dir, 5), IN, "query-q2", 1).write(source(rows));
        assertThat(files).extracting(p -> p.getFileName().toString()).containsExactly(
                "query-q2-worker1-partition0.csv", "query-q2-worker1-partition1.csv", "query-q2-worker1-partition2.csv");
        assertThat(Files.readAllLines(files.get(2))).containsExactly("dim,cnt,c", "d10,10,", "d11,11,");
        new CsvExporter(spec(dir, 5), IN, "query-q2", 0).write(source(new Object[] {99L, "w0", null}));

        Path manifest = CsvExporter.writeManifest(dir, "query-q2");
        assertThat(manifest).isEqualTo(dir.resolve("_symlink_format_manifest").resolve("manifest"));
        assertThat(Files.readAllLines(manifest)).containsExactly(
                dir.resolve("query-q2-worker0-partition0.csv").toFile().toURI().toString(),
                dir.resolve("query-q2-worker1-partition0.csv").toFile().toURI().toString(),
                dir.resolve("query-q2-worker1-partition1.csv").toFile().toURI().toString(),
                dir.resolve("query-q2-worker1-partition2.csv").toFile().toURI().toString());
        assertThat(Files.readAllLines(manifest).get(0)).startsWith("file:/");
    }

    @Test
    void refusesADestinationThatHoldsOtherFiles() throws Exception {
        Path dir = tmp.resolve("used");
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("old.csv"), "x\n");
        assertThatThrownBy(() -> new CsvExporter(spec(dir, 5), IN, "query-q3", 0).write(source()))
                .isInstanceOf(FaultException.class)
                .hasMessageContaining("Export is only allowed to an empty path");
    }

    @Test
    void aWorkerWithoutRowsWritesNoFile() throws Exception {
        Path dir = tmp.resolve("empty");
        assertThat(new CsvExporter(spec(dir, 5), IN, "query-q4", 0).write(source())).isEmpty();
        assertThat(Files.list(dir)).isEmpty();
    }
}
