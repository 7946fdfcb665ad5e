package io.sluice.engine.types;

import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;

/** Lenient ISO-8601 parsing as Druid (Joda) accepts it: dates, date-times with or without zone, 'T' optional. */
public final class TimeParsing {
    private TimeParsing() {}

    /** Millis since epoch, or throws IllegalArgumentException. */
    public static long parseIsoMillis(String text) {
        String s = text.trim();
        if (s.isEmpty()) {
            throw new IllegalArgumentException("Empty timestamp");
        }
        if (s.endsWith("T")) {
            s = s.substring(0, s.length() - 1);
        }
        try {
            if (s.length() <= 10 && s.indexOf('T') < 0 && s.indexOf(' ') < 0) {
                if (s.length() == 4) {
                    return LocalDate.of(Integer.parseInt(s), 1, 1).atStartOfDay().toInstant(ZoneOffset.UTC).toEpochMilli();
                }
                if (s.length() == 7) {
                    return LocalDate.parse(s + "-01").atStartOfDay().toInstant(ZoneOffset.UTC).toEpochMilli();
                }
                return LocalDate.parse(s).atStartOfDay().toInstant(ZoneOffset.UTC).toEpochMilli();
            }
            String t = s.replace(' ', 'T');
            if (t.endsWith("Z") || hasOffset(t)) {
                String norm = t.endsWith("Z") ? t.substring(0, t.length() - 1) + "+00:00" : t;
                return OffsetDateTime.parse(padTime(norm)).toInstant().toEpochMilli();
            }
            return LocalDateTime.parse(padTime(t)).toInstant(ZoneOffset.UTC).toEpochMilli();
        } catch (DateTimeParseException | NumberFormatException e) {
            throw new IllegalArgumentException("Invalid timestamp [" + text + "]", e);
        }
    }

    private static boolean hasOffset(String t) {
        int tIdx = t.indexOf('T');
        if (tIdx < 0) {
            return false;
        }
        String time = t.substring(tIdx);
        return time.indexOf('+') > 0 || time.indexOf('-') > 0;
    }

    /** Makes "T10" / "T10:00" into "T10:00:00" so java.time accepts it. */
    private static String padTime(String t) {
        int tIdx = t.indexOf('T');
        if (tIdx < 0) {
            return t + "T00:00:00";
        }
        String date = t.substring(0, tIdx + 1);
        String rest = t.substring(tIdx + 1);
        int zone = Math.max(rest.indexOf('+'), rest.indexOf('-'));
        String time = zone >= 0 ? rest.substring(0, zone) : rest;
        String off = zone >= 0 ? rest.substring(zone) : "";
        int colons = time.length() - time.replace(":", "").length();
        if (colons == 0) {
            time = time + ":00:00";
        } else if (colons == 1) {
            time = time + ":00";
        }
        return date + time + off;
    }
}
