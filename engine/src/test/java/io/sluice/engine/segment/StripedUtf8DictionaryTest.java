package io.sluice.engine.segment;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;
import org.roaringbitmap.RoaringBitmap;

class StripedUtf8DictionaryTest {

    /** A segment's dictionary: the given values (id 0 is NULL) as one UTF-8 byte array, as a segment holds them. */
    private static final class Column implements SegmentReader.DictionaryColumn {
        private final byte[] bytes;
        private final int[] offsets;

        Column(List<String> values) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            offsets = new int[values.size() + 2];
            for (int i = 0; i < values.size(); i++) {
                out.writeBytes(values.get(i).getBytes(StandardCharsets.UTF_8));
                offsets[i + 2] = out.size();
            }
            bytes = out.toByteArray();
        }

        @Override
        public int dictionarySize() {
            return offsets.length - 1;
        }

        @Override
        public String value(int id) {
            return id == 0 ? null : new String(bytes, utf8Offset(id), utf8Length(id), StandardCharsets.UTF_8);
        }

        @Override
        public int idOf(String value) {
            throw new UnsupportedOperationException();
        }

        @Override
        public boolean multiValue() {
            return false;
        }

        @Override
        public int[] ids() {
            throw new UnsupportedOperationException();
        }

        @Override
        public int[] offsets() {
            return null;
        }

        @Override
        public RoaringBitmap bitmap(int id) {
            throw new UnsupportedOperationException();
        }

        @Override
        public int utf8Length(int id) {
            return offsets[id + 1] - offsets[id];
        }

        @Override
        public byte[] utf8Bytes() {
            return bytes;
        }

        @Override
        public int utf8Offset(int id) {
            return offsets[id];
        }

        @Override
        public int compareIds(int a, int b) {
            throw new UnsupportedOperationException();
        }
    }

    private static List<String> pool(int n, Random rnd) {
        List<String> pool = new ArrayList<>();
        String[] parts = {"Wikipedia:", "User:", "é", "\uD83D\uDE00", "a", "ab", "\uFFFD", "z", " "};
        for (int i = 0; i < n; i++) {
            pool.add(parts[rnd.nextInt(parts.length)] + i + parts[rnd.nextInt(parts.length)]);
        }
        return pool;
    }

    @Test
    void threadsInterningAtOnceGetOneIdPerValue() throws Exception {
        List<String> pool = pool(40_000, new Random(3));
        StripedUtf8Dictionary d = new StripedUtf8Dictionary();
        int threads = 4;
        ExecutorService exec = Executors.newFixedThreadPool(threads);
        CyclicBarrier start = new CyclicBarrier(threads);
        try {
            List<CompletableFuture<Map<String, Integer>>> results = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                Random rnd = new Random(100 + t);
                results.add(CompletableFuture.supplyAsync(() -> {
                    Map<String, Integer> ids = new HashMap<>();
                    try {
                        start.await();
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                    for (int segment = 0; segment < 40; segment++) {
                        // overlapping "segments" of 2,000 values each, most also met by other threads
                        List<String> values = new ArrayList<>();
                        for (int i = 0; i < 2_000; i++) {
                            values.add(pool.get(rnd.nextInt(pool.size())));
                        }
                        Column column = new Column(values);
                        int[] out = new int[column.dictionarySize()];
                        boolean[] used = new boolean[out.length];
                        for (int id = 1; id < used.length; id++) {
                            used[id] = id % 7 != 0;
                        }
                        d.internAll(column, used, out);
                        for (int id = 1; id < used.length; id++) {
                            String v = column.value(id);
                            int got = used[id] ? out[id] : d.intern(v);
                            Integer before = ids.putIfAbsent(v, got);
                            assertThat(got).isEqualTo(before == null ? got : before);
                        }
                        ids.putIfAbsent(null, d.internNull());
                    }
                    return ids;
                }, exec));
            }
            Map<String, Integer> all = new HashMap<>();
            for (CompletableFuture<Map<String, Integer>> r : results) {
                r.get().forEach((v, id) -> {
                    Integer before = all.putIfAbsent(v, id);
                    assertThat(id).as("id of %s", v).isEqualTo(before == null ? id : before);
                });
            }
            Set<Integer> distinct = new HashSet<>(all.values());
            assertThat(distinct).hasSize(all.size());
            assertThat(d.count()).isEqualTo(all.size());
            int max = distinct.stream().mapToInt(Integer::intValue).max().orElseThrow();
            assertThat(d.idBound()).isEqualTo(max + 1);
            // ids stay close to dense once the stripes hold thousands of values each
            assertThat(d.idBound()).isLessThan(all.size() + all.size() / 10);
            all.forEach((v, id) -> {
                assertThat(d.value(id)).isEqualTo(v);
                assertThat(d.isNull(id)).isEqualTo(v == null);
                if (v != null) {
                    byte[] b = v.getBytes(StandardCharsets.UTF_8);
                    assertThat(d.length(id)).isEqualTo(b.length);
                    assertThat(new String(d.arena(id), d.start(id), d.length(id), StandardCharsets.UTF_8)).isEqualTo(v);
                }
            });
        } finally {
            exec.shutdownNow();
        }
    }

    @Test
    void sortsAsTheOneStripeDictionaryDoes() {
        Random rnd = new Random(5);
        List<String> pool = pool(5_000, rnd);
        pool.add("");
        pool.add("Wikipedia:");
        pool.add("\uE000");
        pool.add("\uD83D\uDE00");
        StripedUtf8Dictionary striped = new StripedUtf8Dictionary();
        Utf8Dictionary plain = new Utf8Dictionary();
        for (int i = 0; i < 8_000; i++) {
            String v = rnd.nextInt(100) == 0 ? null : pool.get(rnd.nextInt(pool.size()));
            striped.intern(v);
            plain.intern(v);
        }
        List<String> expected = new ArrayList<>();
        for (int id : plain.sortedIds()) {
            expected.add(plain.value(id));
        }
        List<String> got = new ArrayList<>();
        for (int id : striped.sortedIds()) {
            got.add(striped.value(id));
        }
        assertThat(got).containsExactlyElementsOf(expected);
        assertThat(got.get(0)).isNull();
    }

    @Test
    void smallDictionariesHaveSmallIds() {
        StripedUtf8Dictionary d = new StripedUtf8Dictionary();
        assertThat(d.idBound()).isZero();
        assertThat(d.sortedIds()).isEmpty();
        int a = d.intern("a");
        int b = d.intern("b");
        assertThat(d.intern("a")).isEqualTo(a);
        assertThat(d.count()).isEqualTo(2);
        assertThat(d.idBound()).isLessThanOrEqualTo(2 * StripedUtf8Dictionary.STRIPES);
        assertThat(d.sortedIds()).containsExactly(a, b);
    }
}
