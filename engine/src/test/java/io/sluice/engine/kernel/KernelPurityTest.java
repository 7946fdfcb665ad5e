package io.sluice.engine.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The kernel package must stay pure: no Akka, no I/O, no clock. */
class KernelPurityTest {
    @Test
    void kernelImportsNoAkkaNoIoNoClock() throws IOException {
        Path dir = Path.of("src/main/java/io/sluice/engine/kernel");
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(p -> p.toString().endsWith(".java")).toList();
        }
        assertThat(files).isNotEmpty();
        for (Path f : files) {
            String src = Files.readString(f);
            assertThat(src)
                    .as(f.toString())
                    .doesNotContain("import akka.")
                    .doesNotContain("import java.io.")
                    .doesNotContain("import java.nio.")
                    .doesNotContain("System.currentTimeMillis")
                    .doesNotContain("Instant.now");
        }
    }
}
