package io.sluice.engine.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalDeepStorageTest {
    @TempDir
    Path dir;

    @Test
    void pushPlacesFileUnderDataSourceIntervalVersionAndName() throws Exception {
        Path root = dir.resolve("deep");
        LocalDeepStorage deep = new LocalDeepStorage(root);
        Path local = dir.resolve("local.bin");
        Files.writeString(local, "segment-bytes");

        String path = deep.push(local, "wiki", 0, 86_400_000L, "2024-06-01T00:00:00.000Z", "abc");

        Path expected = root.resolve("wiki")
                .resolve("0_86400000")
                .resolve("2024-06-01T00_00_00.000Z")
                .resolve("abc")
                .resolve("index.sluice");
        assertThat(path).isEqualTo(expected.toString());
        assertThat(deep.localPath(path)).hasContent("segment-bytes");
        assertThat(local).doesNotExist();
        try (var files = Files.list(expected.getParent())) {
            assertThat(files).containsExactly(expected); // no temp file left behind
        }

        deep.delete(path);
        assertThat(expected).doesNotExist();
        assertThat(root.resolve("wiki")).doesNotExist();
        deep.delete(path); // missing is fine
    }

    @Test
    void refusesPathsOutsideRoot() {
        LocalDeepStorage deep = new LocalDeepStorage(dir.resolve("deep"));
        assertThatThrownBy(() -> deep.localPath(dir.resolve("elsewhere").toString()))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> deep.push(dir, "..", 0, 1, "v", "x")).isInstanceOf(IllegalArgumentException.class);
    }
}
