package io.sluice.engine.types;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.Period;
import java.time.ZoneOffset;
import java.util.Locale;
import java.util.Objects;

/**
 * A segment / query granularity: {@code ALL} or a UTC period (PT1S … P1Y). Serialises as Druid's simple name where
 * one exists ({@code "DAY"}), otherwise as the ISO period. Bucketing is pure arithmetic in UTC.
 */
public final class Granularity {
    public static final Granularity ALL = new Granularity("ALL", null);

    private final String name;
    private final String period; // ISO period, null for ALL
    private final Step step; // the period's arithmetic, null for ALL

    @JsonCreator(mode = JsonCreator.Mode.DISABLED)
    private Granularity(String name, String period) {
        this.name = name;
        this.period = period;
        this.step = period == null ? null : step(period);
    }

    public boolean isAll() {
        return period == null;
    }

    /** ISO-8601 period, or null for ALL. */
    public String period() {
        return period;
    }

    @JsonValue
    public String name() {
        return name;
    }

    /**
     * Parses a granularity name ({@code DAY}, {@code FIVE_MINUTE}, {@code ALL}, {@code ALL TIME}) or an ISO period
     * ({@code PT1H}). Throws IllegalArgumentException for anything else.
     */
    @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
    public static Granularity of(String text) {
        String u = text.trim().toUpperCase(Locale.ROOT);
        switch (u) {
            case "ALL", "ALL TIME", "ALL_TIME":
                return ALL;
            case "SECOND", "PT1S":
                return new Granularity("SECOND", "PT1S");
            case "MINUTE", "PT1M":
                return new Granularity("MINUTE", "PT1M");
            case "FIVE_MINUTE", "PT5M":
                return new Granularity("FIVE_MINUTE", "PT5M");
            case "TEN_MINUTE", "PT10M":
                return new Granularity("TEN_MINUTE", "PT10M");
            case "FIFTEEN_MINUTE", "PT15M":
                return new Granularity("FIFTEEN_MINUTE", "PT15M");
            case "THIRTY_MINUTE", "PT30M":
                return new Granularity("THIRTY_MINUTE", "PT30M");
            case "HOUR", "PT1H":
                return new Granularity("HOUR", "PT1H");
            case "SIX_HOUR", "PT6H":
                return new Granularity("SIX_HOUR", "PT6H");
            case "EIGHT_HOUR", "PT8H":
                return new Granularity("EIGHT_HOUR", "PT8H");
            case "DAY", "P1D":
                return new Granularity("DAY", "P1D");
            case "WEEK", "P1W", "P7D":
                return new Granularity("WEEK", "P1W");
            case "MONTH", "P1M":
                return new Granularity("MONTH", "P1M");
            case "QUARTER", "P3M":
                return new Granularity("QUARTER", "P3M");
            case "YEAR", "P1Y":
                return new Granularity("YEAR", "P1Y");
            default:
                throw new IllegalArgumentException("Invalid granularity [" + text + "]");
        }
    }

    /** Start of the bucket holding {@code millis}. ALL returns Long.MIN_VALUE-based eternity start. */
    public long bucketStart(long millis) {
        if (isAll()) {
            return Intervals.ETERNITY_START;
        }
        return floor(millis, step);
    }

    /** End (exclusive) of the bucket starting at {@code start}. */
    public long bucketEnd(long start) {
        if (isAll()) {
            return Intervals.ETERNITY_END;
        }
        return increment(start, period, 1);
    }

    /** A parsed ISO period: a fixed step in millis (with an origin), or a number of months. */
    private record Step(long millis, long origin, int months) {}

    private static final java.util.concurrent.ConcurrentHashMap<String, Step> STEPS =
            new java.util.concurrent.ConcurrentHashMap<>();

    /** The last period looked up, and its step: a query floors by one period, mostly (benign races: immutable). */
    private static LastStep last = new LastStep("", null);

    private record LastStep(String period, Step step) {}

    private static Step step(String isoPeriod) {
        LastStep l = last;
        if (l.period() == isoPeriod) {
            return l.step();
        }
        Step cached = STEPS.get(isoPeriod);
        if (cached != null) {
            last = new LastStep(isoPeriod, cached);
            return cached;
        }
        String p = isoPeriod.toUpperCase(Locale.ROOT);
        Step s;
        if (p.startsWith("PT")) {
            s = new Step(Duration.parse(p).toMillis(), 0, 0);
        } else if (p.endsWith("W")) {
            int weeks = Integer.parseInt(p.substring(1, p.length() - 1));
            // weeks align to Monday as in Druid: 1970-01-05 is a Monday
            s = new Step(7L * 86_400_000L * weeks, 4L * 86_400_000L, 0);
        } else {
            Period per = Period.parse(p);
            if (per.getDays() > 0 && per.getMonths() == 0 && per.getYears() == 0) {
                s = new Step(per.getDays() * 86_400_000L, 0, 0);
            } else if (per.getDays() == 0 && (per.getMonths() > 0 || per.getYears() > 0)) {
                s = new Step(0, 0, per.getMonths() + per.getYears() * 12);
            } else {
                throw new IllegalArgumentException("Unsupported period [" + isoPeriod + "]");
            }
        }
        if (STEPS.size() < 1000) {
            STEPS.put(isoPeriod, s);
        }
        return s;
    }

    /** Floors millis to an ISO period in UTC (origin 1970-01-01, weeks aligned to Monday as in Druid). */
    public static long floor(long millis, String isoPeriod) {
        return floor(millis, step(isoPeriod));
    }

    private static long floor(long millis, Step s) {
        if (s.months() == 0) {
            return Math.floorDiv(millis - s.origin(), s.millis()) * s.millis() + s.origin();
        }
        LocalDateTime t = LocalDateTime.ofInstant(Instant.ofEpochMilli(millis), ZoneOffset.UTC);
        int m = s.months();
        long months = (t.getYear() - 1970L) * 12 + t.getMonthValue() - 1;
        long fm = Math.floorDiv(months, m) * m;
        return LocalDateTime.of((int) (1970 + Math.floorDiv(fm, 12)), (int) Math.floorMod(fm, 12) + 1, 1, 0, 0)
                .toInstant(ZoneOffset.UTC)
                .toEpochMilli();
    }

    /** Adds {@code n} periods to millis in UTC. */
    public static long increment(long millis, String isoPeriod, int n) {
        String p = isoPeriod.toUpperCase(Locale.ROOT);
        if (p.startsWith("PT")) {
            return millis + Duration.parse(p).toMillis() * n;
        }
        if (p.endsWith("W")) {
            return millis + Integer.parseInt(p.substring(1, p.length() - 1)) * 7L * 86_400_000L * n;
        }
        Period per = Period.parse(p);
        LocalDateTime t = LocalDateTime.ofInstant(Instant.ofEpochMilli(millis), ZoneOffset.UTC);
        return t.plus(per.multipliedBy(n)).toInstant(ZoneOffset.UTC).toEpochMilli();
    }

    /** True when millis is the start of a bucket of this granularity. */
    public boolean isAligned(long millis) {
        return isAll() ? millis == Intervals.ETERNITY_START : bucketStart(millis) == millis;
    }

    /** Druid's JSON granularity object form, used in error messages: {type=period, period=P1D, …}. */
    public String describe() {
        return isAll()
                ? "{type=all}"
                : "{type=period, period=" + period + ", timeZone=UTC, origin=null}";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Granularity g && Objects.equals(g.period, period);
    }

    @Override
    public int hashCode() {
        return Objects.hashCode(period);
    }

    @Override
    public String toString() {
        return name;
    }
}
