package io.sluice.engine.worker;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.engine.frame.FrameReader;
import io.sluice.engine.frame.FrameTestData;
import io.sluice.engine.frame.KeyCodec;
import io.sluice.engine.frame.RowCodec;
import io.sluice.engine.frame.StringCache;
import io.sluice.engine.plan.KeyColumn;
import io.sluice.engine.rows.EncodedRowSource;
import io.sluice.engine.types.ColumnType;
import io.sluice.engine.types.RowSignature;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** {@link PartitionReader#mergeEncoded}: sorted pieces merged by their keys, rows taken undecoded or decoded. */
class PartitionReaderMergeTest {
    private static final RowSignature SIG = RowSignature.builder()
            .add("t", ColumnType.LONG)
            .add("s", ColumnType.STRING)
            .add("v", ColumnType.DOUBLE)
            .build();
    private static final List<KeyColumn> KEY = List.of(KeyColumn.asc("t"), KeyColumn.desc("s"));

    private record Tagged(byte[] key, int source, int index, Object[] row) {}

    private static List<List<Object[]>> pieces(long seed) {
        Random r = new Random(seed);
        KeyCodec codec = new KeyCodec(SIG, KEY);
        List<List<Object[]>> pieces = new ArrayList<>();
        for (int p = 0; p < 3; p++) {
            List<Object[]> rows = new ArrayList<>();
            int n = p == 1 ? 0 : 3_000 + r.nextInt(2_000); // one piece empty
            for (int i = 0; i < n; i++) {
                Object s = switch (r.nextInt(12)) {
                    case 0 -> null;
                    case 1 -> List.of("m", "n" + r.nextInt(3));
                    case 2 -> "é" + r.nextInt(5);
                    default -> "s" + r.nextInt(40);
                };
                rows.add(new Object[] {r.nextInt(10) == 0 ? null : (long) r.nextInt(50), s, r.nextDouble()});
            }
            rows.sort(Comparator.comparing(codec::encode, KeyCodec::compare));
            pieces.add(rows);
        }
        return pieces;
    }

    private static EncodedRowSource framed(List<Object[]> rows) {
        List<io.sluice.engine.frame.Frame> frames = FrameTestData.frames(SIG, rows, 2048);
        return PartitionReader.sequenceEncoded(frames.size(), i -> FrameReader.rows(SIG.size(), frames.get(i)));
    }

    /** All rows by key, ties in piece order then in their order within the piece. */
    private static List<Object[]> expected(List<List<Object[]>> pieces) {
        KeyCodec codec = new KeyCodec(SIG, KEY);
        List<Tagged> all = new ArrayList<>();
        for (int p = 0; p < pieces.size(); p++) {
            for (int i = 0; i < pieces.get(p).size(); i++) {
                Object[] row = pieces.get(p).get(i);
                all.add(new Tagged(codec.encode(row), p, i, row));
            }
        }
        all.sort(Comparator.comparing(Tagged::key, KeyCodec::compare)
                .thenComparingInt(Tagged::source)
                .thenComparingInt(Tagged::index));
        return all.stream().map(Tagged::row).toList();
    }

    private static EncodedRowSource merged(List<List<Object[]>> pieces) {
        List<EncodedRowSource> sources = new ArrayList<>();
        for (List<Object[]> piece : pieces) {
            sources.add(framed(piece));
        }
        return PartitionReader.mergeEncoded(sources, new KeyCodec(SIG, KEY), SIG.size(), new StringCache(SIG.size()));
    }

    @Test
    void rowsTakenUndecodedOrDecodedComeInKeyOrder() {
        for (long seed = 1; seed <= 3; seed++) {
            List<List<Object[]>> pieces = pieces(seed);
            List<Object[]> want = expected(pieces);
            // undecoded, decoded, and the two mixed: each row must be the same
            for (int mode = 0; mode < 3; mode++) {
                EncodedRowSource in = merged(pieces);
                int[] offsets = new int[SIG.size()];
                List<Object[]> got = new ArrayList<>();
                for (int i = 0; ; i++) {
                    boolean decode = mode == 1 || (mode == 2 && i % 3 == 0);
                    if (decode) {
                        Object[] row = in.next();
                        if (row == null) {
                            break;
                        }
                        got.add(row);
                    } else {
                        if (!in.advance(offsets)) {
                            break;
                        }
                        Object[] row = new Object[SIG.size()];
                        for (int c = 0; c < row.length; c++) {
                            row[c] = RowCodec.valueAt(in.buffer(), offsets[c]);
                        }
                        got.add(row);
                    }
                }
                assertThat(in.next()).isNull();
                in.close();
                assertThat(got).hasSameSizeAs(want);
                for (int i = 0; i < want.size(); i++) {
                    assertThat(got.get(i)).as("mode %d row %d", mode, i).isEqualTo(want.get(i));
                }
            }
        }
    }
}
