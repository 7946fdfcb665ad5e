package io.sluice.engine.worker;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.engine.rows.RowSource;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link PartitionReader#sequence}: sources opened one at a time, in order, each closed when exhausted. */
class PartitionReaderSequenceTest {
    private final List<String> events = new ArrayList<>();

    private RowSource source(int id, int rows) {
        events.add("open " + id);
        return new RowSource() {
            private int left = rows;

            @Override
            public Object[] next() {
                return left-- > 0 ? new Object[] {id, left} : null;
            }

            @Override
            public void close() {
                events.add("close " + id);
            }
        };
    }

    @Test
    void readsEverySourceInOrderOpeningEachOnlyAfterThePreviousIsDone() {
        RowSource all = PartitionReader.sequence(3, i -> source(i, i == 1 ? 0 : 2));
        List<Object> ids = new ArrayList<>();
        Object[] row;
        while ((row = all.next()) != null) {
            ids.add(row[0]);
        }
        all.close();
        assertThat(ids).containsExactly(0, 0, 2, 2);
        assertThat(events).containsExactly("open 0", "close 0", "open 1", "close 1", "open 2", "close 2");
    }

    @Test
    void closingEarlyClosesOnlyTheOpenSource() {
        RowSource all = PartitionReader.sequence(2, i -> source(i, 5));
        all.next();
        all.close();
        all.close();
        assertThat(events).containsExactly("open 0", "close 0");
    }

    @Test
    void aSequenceOfSourcesThatMayNotReadFramesDoesNotOfferUndecodedRows() {
        // segment generation takes undecoded rows from any EncodedRowSource: a plain sequence must not be one
        assertThat(PartitionReader.sequence(1, i -> source(i, 1)))
                .isNotInstanceOf(io.sluice.engine.rows.EncodedRowSource.class);
        assertThat(PartitionReader.sequenceEncoded(0, i -> null))
                .isInstanceOf(io.sluice.engine.rows.EncodedRowSource.class);
        assertThat(PartitionReader.sequenceEncoded(0, i -> null).advance(new int[1])).isFalse();
    }
}
