package io.sluice.engine.input;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ReadAheadInputStreamTest {
    @Test
    void deliversEveryByteInOrder() throws IOException {
        byte[] data = new byte[3_000_000];
        new Random(7).nextBytes(data);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (InputStream in = new ReadAheadInputStream(new ByteArrayInputStream(data), "t")) {
            byte[] buf = new byte[1000];
            int n;
            while ((n = in.read(buf, 0, 1 + (out.size() % 997))) > 0) {
                out.write(buf, 0, n);
            }
            assertThat(in.read()).isEqualTo(-1);
        }
        assertThat(out.toByteArray()).isEqualTo(data);
    }

    @Test
    void rethrowsTheSourceErrorAfterTheBytesBeforeIt() throws IOException {
        InputStream failing = new InputStream() {
            private int left = 10;

            @Override
            public int read() throws IOException {
                if (left-- > 0) {
                    return 'a';
                }
                throw new IOException("broken gzip");
            }
        };
        try (InputStream in = new ReadAheadInputStream(failing, "t")) {
            assertThatThrownBy(() -> in.readAllBytes()).isInstanceOf(IOException.class).hasMessage("broken gzip");
        }
    }

    @Test
    void closeStopsTheReaderAndClosesTheSource() throws IOException {
        boolean[] closed = {false};
        InputStream endless = new InputStream() {
            @Override
            public int read() {
                return 1;
            }

            @Override
            public void close() {
                closed[0] = true;
            }
        };
        InputStream in = new ReadAheadInputStream(endless, "t");
        assertThat(in.read()).isEqualTo(1);
        in.close();
        assertThat(closed[0]).isTrue();
    }
}
