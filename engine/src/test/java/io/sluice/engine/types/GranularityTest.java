package io.sluice.engine.types;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class GranularityTest {
    private static long t(String iso) {
        return TimeParsing.parseIsoMillis(iso);
    }

    @Test
    void bucketsFloorInUtc() {
        long x = t("2015-09-12T17:46:58.771Z"); // a Saturday
        assertThat(Granularity.of("DAY").bucketStart(x)).isEqualTo(t("2015-09-12T00:00:00Z"));
        assertThat(Granularity.of("HOUR").bucketStart(x)).isEqualTo(t("2015-09-12T17:00:00Z"));
        assertThat(Granularity.of("PT15M").bucketStart(x)).isEqualTo(t("2015-09-12T17:45:00Z"));
        assertThat(Granularity.of("WEEK").bucketStart(x)).isEqualTo(t("2015-09-07T00:00:00Z")); // Monday
        assertThat(Granularity.of("MONTH").bucketStart(x)).isEqualTo(t("2015-09-01T00:00:00Z"));
        assertThat(Granularity.of("QUARTER").bucketStart(x)).isEqualTo(t("2015-07-01T00:00:00Z"));
        assertThat(Granularity.of("YEAR").bucketStart(x)).isEqualTo(t("2015-01-01T00:00:00Z"));
        assertThat(Granularity.of("DAY").bucketStart(t("1969-12-31T23:00:00Z"))).isEqualTo(t("1969-12-31T00:00:00Z"));
        assertThat(Granularity.of("MONTH").bucketEnd(t("2015-12-01T00:00:00Z"))).isEqualTo(t("2016-01-01T00:00:00Z"));
        assertThat(Granularity.ALL.bucketStart(x)).isEqualTo(Intervals.ETERNITY_START);
        assertThat(Granularity.of("DAY").isAligned(t("2015-09-12T00:00:00Z"))).isTrue();
        assertThat(Granularity.of("DAY").isAligned(x)).isFalse();
    }
}
