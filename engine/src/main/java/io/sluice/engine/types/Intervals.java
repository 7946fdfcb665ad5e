package io.sluice.engine.types;

import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.temporal.ChronoField;

/** Druid's interval text: {@code start/end} in ISO-8601 UTC with millis, and the ETERNITY interval. */
public final class Intervals {
    /** Druid's eternity bounds (JodaUtils.MIN_INSTANT / MAX_INSTANT). */
    public static final long ETERNITY_START = Long.MIN_VALUE / 2;

    public static final long ETERNITY_END = Long.MAX_VALUE / 2;
    public static final String ETERNITY = "-146136543-09-08T08:23:32.096Z/146140482-04-24T15:36:27.903Z";

    private static final DateTimeFormatter ISO = new DateTimeFormatterBuilder()
            .appendValue(ChronoField.YEAR, 4, 10, java.time.format.SignStyle.NORMAL)
            .appendPattern("-MM-dd'T'HH:mm:ss.SSS'Z'")
            .toFormatter()
            .withZone(java.time.ZoneOffset.UTC);

    private Intervals() {}

    public static String formatInstant(long millis) {
        if (millis == ETERNITY_START) {
            return "-146136543-09-08T08:23:32.096Z";
        }
        if (millis == ETERNITY_END) {
            return "146140482-04-24T15:36:27.903Z";
        }
        return ISO.format(Instant.ofEpochMilli(millis));
    }

    public static String format(long start, long end) {
        if (start == ETERNITY_START && end == ETERNITY_END) {
            return ETERNITY;
        }
        return formatInstant(start) + "/" + formatInstant(end);
    }

    /** Parses {@code start/end} (ISO instants; "ETERNITY" allowed) into [start, end]. */
    public static long[] parse(String interval) {
        if ("ETERNITY".equalsIgnoreCase(interval) || ETERNITY.equals(interval)) {
            return new long[] {ETERNITY_START, ETERNITY_END};
        }
        int slash = interval.indexOf('/');
        if (slash < 0) {
            throw new IllegalArgumentException("Invalid interval [" + interval + "]");
        }
        return new long[] {parseInstant(interval.substring(0, slash)), parseInstant(interval.substring(slash + 1))};
    }

    public static long parseInstant(String s) {
        if (s.equals("-146136543-09-08T08:23:32.096Z")) {
            return ETERNITY_START;
        }
        if (s.equals("146140482-04-24T15:36:27.903Z")) {
            return ETERNITY_END;
        }
        return TimeParsing.parseIsoMillis(s);
    }
}
