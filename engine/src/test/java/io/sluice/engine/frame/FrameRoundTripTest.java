package io.sluice.engine.frame;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.engine.fault.FaultException;
import io.sluice.engine.rows.RowSource;
import io.sluice.engine.types.ColumnType;
import io.sluice.engine.types.RowSignature;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FrameRoundTripTest {
    private static final RowSignature SIG = RowSignature.builder()
            .add("s", ColumnType.STRING)
            .add("l", ColumnType.LONG)
            .add("f", ColumnType.FLOAT)
            .add("d", ColumnType.DOUBLE)
            .add("sa", ColumnType.STRING_ARRAY)
            .add("la", ColumnType.LONG_ARRAY)
            .add("st", ColumnType.COMPLEX_STATE)
            .add("j", ColumnType.COMPLEX_JSON)
            .build();

    private static List<Object[]> readAll(Frame f) {
        List<Object[]> out = new ArrayList<>();
        RowSource rs = FrameReader.rows(SIG, f);
        Object[] r;
        while ((r = rs.next()) != null) {
            out.add(r);
        }
        return out;
    }

    @Test
    void roundTripsEveryTypeIncludingNulls() {
        Object[] full = {
            "héllo ✓ 😀", -123456789012L, 1.5f, -0.25d, Arrays.asList("a", null, ""), List.of(1L, -2L),
            new byte[] {0, 1, (byte) 0xFF}, Map.of("k", List.of(1, 2))
        };
        Object[] nulls = new Object[8];
        Object[] edge = {"", Long.MIN_VALUE, Float.NaN, Double.NEGATIVE_INFINITY, List.of(), List.of(), new byte[0], "x"};
        FrameWriter w = new FrameWriter(SIG, 10_000);
        assertThat(w.add(full)).isTrue();
        assertThat(w.add(nulls)).isTrue();
        assertThat(w.add(edge)).isTrue();
        assertThat(w.numRows()).isEqualTo(3);
        Frame f = w.build();
        assertThat(f.numRows()).isEqualTo(3);
        assertThat(FrameReader.rowCount(f.bytes())).isEqualTo(3);
        assertThat(w.numRows()).isZero();

        List<Object[]> rows = readAll(f);
        assertThat(rows).hasSize(3);
        Object[] r0 = rows.get(0);
        assertThat(r0[0]).isEqualTo("héllo ✓ 😀");
        assertThat(r0[1]).isEqualTo(-123456789012L);
        assertThat(r0[2]).isEqualTo(1.5f);
        assertThat(r0[3]).isEqualTo(-0.25d);
        assertThat(r0[4]).isEqualTo(Arrays.asList("a", null, ""));
        assertThat(r0[5]).isEqualTo(List.of(1L, -2L));
        assertThat((byte[]) r0[6]).containsExactly(0, 1, 0xFF);
        assertThat(r0[7]).isEqualTo(Map.of("k", List.of(1, 2)));
        assertThat(rows.get(1)).containsOnlyNulls();
        Object[] r2 = rows.get(2);
        assertThat(r2[0]).isEqualTo("");
        assertThat(r2[1]).isEqualTo(Long.MIN_VALUE);
        assertThat((Float) r2[2]).isNaN();
        assertThat(r2[3]).isEqualTo(Double.NEGATIVE_INFINITY);
        assertThat(r2[4]).isEqualTo(List.of());
        assertThat((byte[]) r2[6]).isEmpty();
    }

    @Test
    void fullFrameRefusesRowAndOversizedRowIsAFault() {
        RowSignature sig = RowSignature.builder().add("s", ColumnType.STRING).build();
        FrameWriter w = new FrameWriter(sig, 100);
        int added = 0;
        while (w.add(new Object[] {"0123456789"})) {
            added++;
        }
        assertThat(added).isBetween(5, 8);
        assertThat(w.numRows()).isEqualTo(added);
        assertThat(w.sizeBytes()).isLessThanOrEqualTo(100);
        Frame f = w.build();
        assertThat(f.sizeBytes()).isLessThanOrEqualTo(100);
        assertThatThrownBy(() -> w.add(new Object[] {"x".repeat(200)}))
                .isInstanceOf(FaultException.class)
                .satisfies(e -> {
                    assertThat(((FaultException) e).fault().errorCode()).isEqualTo("RowTooLarge");
                    assertThat(((FaultException) e).fault().fields()).containsEntry("maxFrameSize", 100L);
                });
        assertThat(w.numRows()).isZero();
    }

    @Test
    void rowSizeMatchesEncoding() {
        Object[] row = {"héllo 😀", 300L, 1.5f, 2.5d, List.of("a"), List.of(1L), new byte[3], null};
        ByteSink sink = new ByteSink(16);
        RowCodec.writeRow(sink, row, row.length);
        assertThat(RowCodec.rowSize(row, row.length)).isEqualTo(sink.size());
    }

    @Test
    void writeRowSizedWritesTheRowAndGivesRowSizeEvenWhereThatIsAnEstimate() {
        Object[] row = {"héllo 😀", 300L, 1.5f, 2.5d, List.of("a", 7), List.of(1L), new byte[3], null, 42, true,
            java.util.Map.of("k", "v"), (short) 3};
        ByteSink expected = new ByteSink(16);
        RowCodec.writeRow(expected, row, row.length + 1);
        ByteSink sink = new ByteSink(16);
        sink.write(5); // appended after what the sink holds
        int size = RowCodec.writeRowSized(sink, row, row.length + 1);
        assertThat(size).isEqualTo(RowCodec.rowSize(row, row.length + 1)).isNotEqualTo(expected.size());
        assertThat(java.util.Arrays.copyOfRange(sink.array(), 1, sink.size())).isEqualTo(expected.toByteArray());
    }

    @Test
    void encodeValuesRoundTrip() {
        byte[] b = RowCodec.encodeValues(5L, "x", null);
        assertThat(RowCodec.decodeValues(b)).containsExactly(5L, "x", null);
    }

    @Test
    void valueOffsetsWalkRowsAsSkipValueDoesAndRefuseTruncatedBytes() {
        String big = "é".repeat(300); // a length of more than one varint byte
        Object[][] rows = {
            {"héllo ✓ 😀", -123456789012L, 1.5f, -0.25d, Arrays.asList("a", null, ""), List.of(1L, -2L),
                new byte[] {0, 1, (byte) 0xFF}, Map.of("k", List.of(1, 2))},
            new Object[8],
            {"", Long.MIN_VALUE, Float.NaN, Double.NEGATIVE_INFINITY, List.of(), List.of(), new byte[0], "x"},
            {big, Long.MAX_VALUE, 0f, 0d, List.of(big, big), List.of(Long.MIN_VALUE), new byte[200], List.of()},
        };
        ByteSink sink = new ByteSink(64);
        for (Object[] row : rows) {
            RowCodec.writeRow(sink, row, SIG.size());
        }
        byte[] b = sink.toByteArray();
        ByteSource walk = new ByteSource(b, 0, b.length);
        int pos = 0;
        int[] offsets = new int[SIG.size()];
        for (int r = 0; r < rows.length; r++) {
            int end = RowCodec.valueOffsets(b, pos, b.length, SIG.size(), offsets);
            for (int c = 0; c < SIG.size(); c++) {
                assertThat(offsets[c]).as("row %d column %d", r, c).isEqualTo(walk.position());
                RowCodec.skipValue(walk);
            }
            assertThat(end).isEqualTo(walk.position());
            pos = end;
        }
        assertThat(pos).isEqualTo(b.length);
        // a frame cut anywhere inside the last row is corrupt, never read past its end
        int lastRow = RowCodec.valueOffsets(b, 0, b.length, SIG.size(), new int[0]);
        lastRow = RowCodec.valueOffsets(b, lastRow, b.length, SIG.size(), new int[0]);
        lastRow = RowCodec.valueOffsets(b, lastRow, b.length, SIG.size(), new int[0]);
        for (int cut = lastRow; cut < b.length; cut += 7) {
            int at = lastRow;
            int limit = cut;
            assertThatThrownBy(() -> RowCodec.valueOffsets(b, at, limit, SIG.size(), new int[2]))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("Corrupt frame");
        }
    }
}
