package io.sluice.engine.exec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WriteBehindOutputStreamTest {
    @TempDir
    Path tmp;

    @Test
    void theFileHoldsEveryByteInOrder() throws IOException {
        // chunks of 7 bytes, 1 to 3 of them: writes of single bytes, within a chunk, across chunks and larger than all
        for (int chunks = 1; chunks <= 3; chunks++) {
            Path file = tmp.resolve("f" + chunks);
            Random r = new Random(chunks);
            ByteArrayOutputStream expected = new ByteArrayOutputStream();
            try (WriteBehindOutputStream out = new WriteBehindOutputStream(file, 7, chunks)) {
                for (int i = 0; i < 2_000; i++) {
                    if (r.nextInt(4) == 0) {
                        int b = r.nextInt(256);
                        out.write(b);
                        expected.write(b);
                    } else {
                        byte[] b = new byte[r.nextInt(40)];
                        r.nextBytes(b);
                        int off = b.length == 0 ? 0 : r.nextInt(b.length);
                        out.write(b, off, b.length - off);
                        expected.write(b, off, b.length - off);
                    }
                }
            }
            assertThat(Files.readAllBytes(file)).isEqualTo(expected.toByteArray());
        }
    }

    @Test
    void anExistingFileIsReplacedAndClosingTwiceIsHarmless() throws IOException {
        Path file = tmp.resolve("g");
        Files.write(file, new byte[1000]);
        WriteBehindOutputStream out = new WriteBehindOutputStream(file);
        out.write(new byte[] {1, 2, 3});
        out.close();
        out.close();
        assertThat(Files.readAllBytes(file)).containsExactly(1, 2, 3);
        assertThatThrownBy(() -> out.write(new byte[WriteBehindOutputStream.DEFAULT_CHUNK_BYTES + 1]))
                .isInstanceOf(IOException.class);
    }

    /** A channel whose {@code n}-th write fails with {@code failure}. */
    private static java.nio.channels.WritableByteChannel failingAt(int n, Throwable failure) {
        return new java.nio.channels.WritableByteChannel() {
            private int writes;

            @Override
            public int write(java.nio.ByteBuffer src) throws IOException {
                if (++writes == n) {
                    if (failure instanceof IOException e) {
                        throw e;
                    }
                    throw (Error) failure;
                }
                int len = src.remaining();
                src.position(src.limit());
                return len;
            }

            @Override
            public boolean isOpen() {
                return true;
            }

            @Override
            public void close() {}
        };
    }

    @Test
    void aFailedWriteFailsTheStreamInsteadOfHangingIt() {
        for (Throwable failure : new Throwable[] {new IOException("disk full"), new OutOfMemoryError("made up")}) {
            org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(java.time.Duration.ofSeconds(20), () -> {
                WriteBehindOutputStream out = new WriteBehindOutputStream(failingAt(2, failure), 8, 2);
                // far more chunks than there are buffers: every one must come back, failed write or not
                assertThatThrownBy(() -> {
                    for (int i = 0; i < 10_000; i++) {
                        out.write(new byte[8]);
                    }
                }).isInstanceOf(IOException.class).hasMessageContaining("write failed");
                assertThatThrownBy(out::close).isInstanceOf(IOException.class);
                out.close(); // closed already: nothing more
            });
        }
    }
}
