package io.sluice.engine.fault;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class FaultsTest {
    @Test
    void insertCannotAllocateSegmentNamesTheGranularityToUse() {
        Fault coarser = Faults.insertCannotAllocateSegment("wiki", "2015-09-12T03:00:00.000Z/2015-09-12T04:00:00.000Z",
                "2015-09-12T00:00:00.000Z/2015-09-13T00:00:00.000Z");
        assertThat(coarser.errorCode()).isEqualTo("InsertCannotAllocateSegment");
        assertThat(coarser.errorMessage()).isEqualTo("Requested segment for dataSource [wiki], interval"
                + " [2015-09-12T03:00:00.000Z/2015-09-12T04:00:00.000Z], but got"
                + " [2015-09-12T00:00:00.000Z/2015-09-13T00:00:00.000Z] interval instead. This happens when an"
                + " overlapping segment is already present with a coarser granularity for the requested interval."
                + " Either set the partition granularity for the INSERT to [DAY] to append to existing data or use"
                + " REPLACE to overwrite over the pre-existing segment");
        Fault none = Faults.insertCannotAllocateSegment("wiki", "2015-09-12T00:00:00.000Z/2015-09-13T00:00:00.000Z",
                null);
        assertThat(none.errorMessage()).startsWith("Cannot allocate segment for dataSource [wiki], interval"
                + " [2015-09-12T00:00:00.000Z/2015-09-13T00:00:00.000Z]. This can happen if the prior ingestion");
        assertThat(none.fields()).containsEntry("allocatedInterval", null).containsEntry("dataSource", "wiki");
    }

    @Test
    void granularityNamesOfIntervals() {
        assertThat(Faults.granularityOf("2015-09-12T03:00:00.000Z/2015-09-12T04:00:00.000Z")).isEqualTo("HOUR");
        assertThat(Faults.granularityOf("2015-09-01T00:00:00.000Z/2015-10-01T00:00:00.000Z")).isEqualTo("MONTH");
        assertThat(Faults.granularityOf("2015-02-01T00:00:00.000Z/2015-03-01T00:00:00.000Z")).isEqualTo("MONTH");
        assertThat(Faults.granularityOf("2015-01-01T00:00:00.000Z/2016-01-01T00:00:00.000Z")).isEqualTo("YEAR");
        assertThat(Faults.granularityOf("2015-07-01T00:00:00.000Z/2015-10-01T00:00:00.000Z")).isEqualTo("QUARTER");
        assertThat(Faults.granularityOf("2015-09-07T00:00:00.000Z/2015-09-14T00:00:00.000Z")).isEqualTo("WEEK");
        assertThat(Faults.granularityOf("2015-09-12T00:15:00.000Z/2015-09-12T00:30:00.000Z"))
                .isEqualTo("FIFTEEN_MINUTE");
        assertThat(Faults.granularityOf("2015-09-12T00:00:00.000Z/2015-09-12T02:00:00.000Z")).isEqualTo("PT2H");
    }
}
