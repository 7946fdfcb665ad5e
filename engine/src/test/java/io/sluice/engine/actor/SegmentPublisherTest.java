package io.sluice.engine.actor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.engine.fault.FaultException;
import io.sluice.engine.plan.Destination;
import io.sluice.engine.plan.QuerySpec;
import io.sluice.engine.segment.DataSegment;
import io.sluice.engine.segment.GeneratedSegment;
import io.sluice.engine.storage.MetadataStore;
import io.sluice.engine.types.ColumnSignature;
import io.sluice.engine.types.ColumnType;
import io.sluice.engine.types.Granularity;
import io.sluice.engine.types.Intervals;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Publishing: partition numbering, REPLACE tombstones for emptied chunks, TooManyBuckets, InsertCannotBeEmpty. */
class SegmentPublisherTest {
    static final long DAY = 86_400_000L;
    static final long D1 = 946_684_800_000L; // 2000-01-01
    static final List<ColumnSignature> COLS = List.of(new ColumnSignature("__time", ColumnType.LONG));

    @TempDir
    Path dir;

    MetadataStore store;

    @BeforeEach
    void open() {
        store = MetadataStore.h2(dir);
    }

    @AfterEach
    void close() {
        store.close();
    }

    static QuerySpec spec(List<String> replace, Map<String, Object> context) {
        QuerySpec base = MessageSerializationTest.spec();
        return new QuerySpec(base.sql(), "ds", base.queryDefinition(), base.columnMappings(), base.resultSignature(),
                base.sqlTypeNames(), new Destination.DataSource("ds", Granularity.of("DAY"), replace), context);
    }

    static DataSegment old(long start, long end) {
        return new DataSegment("ds", start, end, "2000-01-01T00:00:00.000Z", 0, DataSegment.NUMBERED, 1, COLS,
                List.of(), 10, 1, "/nowhere");
    }

    static GeneratedSegment fresh(long start) {
        return new GeneratedSegment(start, start + DAY, 5, 100, "/new-" + start, COLS, List.of());
    }

    @Test
    void replaceNumbersPartitionsAndTombstonesTheChunksThatGotNoRows() {
        store.publishSegments("ds", List.of(old(D1, D1 + DAY), old(D1 + DAY, D1 + 2 * DAY),
                old(D1 + 2 * DAY, D1 + 3 * DAY)), null);
        List<DataSegment> published = new SegmentPublisher(store, spec(List.of(Intervals.ETERNITY), Map.of()))
                .publish(List.of(fresh(D1 + DAY), fresh(D1 + DAY)), "2001-01-01T00:00:00.000Z");
        assertThat(published).filteredOn(s -> !s.isTombstone())
                .extracting(DataSegment::partitionNum).containsExactly(0, 1);
        assertThat(published).filteredOn(DataSegment::isTombstone)
                .extracting(DataSegment::start).containsExactlyInAnyOrder(D1, D1 + 2 * DAY);
        assertThat(store.visibleSegments("ds", Intervals.ETERNITY_START, Intervals.ETERNITY_END))
                .extracting(DataSegment::start).containsOnly(D1 + DAY);
    }

    @Test
    void anEternitySegmentCannotBeTombstonedDayByDay() {
        store.publishSegments("ds", List.of(old(Intervals.ETERNITY_START, Intervals.ETERNITY_END)), null);
        assertThatThrownBy(() -> new SegmentPublisher(store, spec(List.of(Intervals.ETERNITY), Map.of()))
                        .publish(List.of(fresh(D1)), "v2"))
                .isInstanceOfSatisfying(FaultException.class,
                        e -> assertThat(e.fault().errorCode()).isEqualTo("TooManyBuckets"));
        assertThat(store.visibleSegments("ds", Intervals.ETERNITY_START, Intervals.ETERNITY_END)).hasSize(1);
    }

    @Test
    void anEmptyInsertFailsOnlyWhenAskedTo() {
        assertThatThrownBy(() -> new SegmentPublisher(store, spec(null, Map.of("failOnEmptyInsert", true)))
                        .publish(List.of(), "v1"))
                .isInstanceOfSatisfying(FaultException.class,
                        e -> assertThat(e.fault().errorCode()).isEqualTo("InsertCannotBeEmpty"));
        assertThat(new SegmentPublisher(store, spec(null, Map.of())).publish(List.of(), "v1")).isEmpty();
    }

    @Test
    void moreSegmentsInATimeChunkThanMaxNumSegmentsIsTooManySegmentsInTimeChunkAndPublishesNothing() {
        assertThatThrownBy(() -> new SegmentPublisher(store, spec(null, Map.of("maxNumSegments", 2)))
                        .publish(List.of(fresh(D1), fresh(D1 + DAY), fresh(D1 + DAY), fresh(D1 + DAY)), "v1"))
                .isInstanceOfSatisfying(FaultException.class, e -> {
                    assertThat(e.fault().errorCode()).isEqualTo("TooManySegmentsInTimeChunk");
                    assertThat(e.fault().errorMessage()).isEqualTo("Too many segments requested to be generated in"
                            + " time chunk[2000-01-02T00:00:00.000Z] with granularity[DAY] (requested = [3], maximum"
                            + " = [2]). Please try breaking up your query or change the maximum using the query"
                            + " context parameter[maxNumSegments].");
                });
        assertThat(store.usedSegments("ds")).isEmpty();
        assertThat(new SegmentPublisher(store, spec(null, Map.of("maxNumSegments", 3)))
                .publish(List.of(fresh(D1), fresh(D1 + DAY), fresh(D1 + DAY), fresh(D1 + DAY)), "v1")).hasSize(4);
    }
}
