package io.sluice.engine.storage;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Deep storage in a local (or shared, mounted) directory:
 * {@code <root>/<dataSource>/<start>_<end>/<version>/<uniqueName>/index.sluice}, with {@code start}/{@code end} as
 * epoch millis and ':' (and path separators) replaced by '_' in names. The local file is moved (a rename on the same
 * file system, a copy otherwise) next to its target, then renamed into place atomically, so a reader never sees a
 * half-written segment.
 */
public final class LocalDeepStorage implements DeepStorage {
    public static final String FILE_NAME = "index.sluice";

    private final Path root;

    public LocalDeepStorage(Path root) {
        this.root = requireNonNull(root, "root is null").toAbsolutePath().normalize();
    }

    public Path root() {
        return root;
    }

    static String sanitise(String name) {
        String s = name.replace(':', '_').replace('/', '_').replace('\\', '_');
        if (s.isEmpty() || s.equals(".") || s.equals("..")) {
            throw new IllegalArgumentException("Invalid path component [" + name + "]");
        }
        return s;
    }

    @Override
    public String push(Path localFile, String dataSource, long start, long end, String version, String uniqueName) {
        requireNonNull(localFile, "localFile is null");
        Path dir = root.resolve(sanitise(dataSource))
                .resolve(start + "_" + end)
                .resolve(sanitise(version))
                .resolve(sanitise(uniqueName));
        Path target = dir.resolve(FILE_NAME);
        try {
            Files.createDirectories(dir);
            Path tmp = Files.createTempFile(dir, ".push-", ".tmp");
            try {
                Files.move(localFile, tmp, StandardCopyOption.REPLACE_EXISTING);
                try {
                    Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
                }
            } finally {
                Files.deleteIfExists(tmp);
            }
            return target.toString();
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot push " + localFile + " to " + target, e);
        }
    }

    @Override
    public Path localPath(String loadSpecPath) {
        Path p = Path.of(loadSpecPath).toAbsolutePath().normalize();
        if (!p.startsWith(root)) {
            throw new IllegalArgumentException("Path [" + loadSpecPath + "] is outside deep storage " + root);
        }
        return p;
    }

    @Override
    public void delete(String loadSpecPath) {
        Path p = localPath(loadSpecPath);
        io.sluice.engine.segment.SegmentReader.forget(p);
        try {
            Files.deleteIfExists(p);
            // prune now-empty directories up to the root
            Path dir = p.getParent();
            while (dir != null && !dir.equals(root) && dir.startsWith(root) && Files.isDirectory(dir)) {
                try (var s = Files.list(dir)) {
                    if (s.findAny().isPresent()) {
                        break;
                    }
                }
                Files.deleteIfExists(dir);
                dir = dir.getParent();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot delete " + p, e);
        }
    }
}
