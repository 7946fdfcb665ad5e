package io.sluice.engine.input;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

/** Helpers shared by the row sources: Druid's parse-error message and closing. */
final class Rows {
    /** Raw rows quoted in messages are cut to this many characters. */
    static final int MAX_RAW_CHARS = 500;

    private Rows() {}

    static String rawLine(LineReader lines) {
        int len = Math.min(lines.length(), MAX_RAW_CHARS * 4);
        return truncate(new String(lines.buffer(), lines.start(), len, StandardCharsets.UTF_8));
    }

    static String truncate(String raw) {
        return raw.length() <= MAX_RAW_CHARS ? raw : raw.substring(0, MAX_RAW_CHARS) + "...";
    }

    static String message(String raw, String description, long record, long line) {
        return "Unable to parse row [" + raw + "] (Path: " + description + ", Record: " + record + ", Line: " + line
                + ")";
    }

    static void closeQuietly(Streams.Opened opened) {
        try {
            opened.data().close();
        } catch (IOException e) {
            // nothing left to read from it
        }
        try {
            opened.raw().close();
        } catch (IOException e) {
            // already closed through the decompressor
        }
    }
}
