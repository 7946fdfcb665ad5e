package io.sluice.engine.exec;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * A mergeable summary of a worker's output keys, for range partitioning. Per bucket (the encoded bucket-by prefix
 * of the key) it holds the exact row count and a bounded weighted sample of keys: every sampled key carries the
 * number of rows it stands for, so weights always sum to the count. When a bucket's sample grows past twice its
 * share of {@code maxKeys}, it is compacted: the keys of the lightest weight class are sorted and adjacent pairs
 * collapse into one of the two (picked at random in proportion to weight) with the summed weight, as a KLL sketch's
 * levels compact — quantiles stay unbiased and mass is conserved. Once a bucket has seen
 * {@link #SAMPLE_FROM_ROWS_PER_KEY} rows per key it may keep, only one row in a stride (growing with the count) is
 * sampled, carrying the weight of the rows skipped before it. A key
 * equal to the one added just before it in its bucket adds its weight to that one instead of a sampled key.
 *
 * <p>Serialises with Jackson: {@code {"maxKeys":10000,"buckets":[{"bucket":"<b64>","count":n,"keys":["<b64>"…],
 * "weights":[…]}]}}. Not thread-safe.
 */
public final class KeyStatistics {
    public static final int DEFAULT_MAX_KEYS = 10_000;
    /** Rows per key a bucket may keep before its rows are sampled one in a stride (see {@link #add}). */
    static final long SAMPLE_FROM_ROWS_PER_KEY = 8;

    private final int maxKeys;
    private final TreeMap<byte[], Bucket> buckets = new TreeMap<>(Arrays::compareUnsigned);
    /** The bucket {@link #add} saw last, and its entry (a bucket stays in the map once added). */
    private byte[] lastBucketKey;
    private Bucket lastBucket;
    private final SplittableRandom random = new SplittableRandom(0x5EED);

    /** One bucket's summary (also the JSON shape). */
    public record BucketSummary(
            @JsonProperty("bucket") byte[] bucket,
            @JsonProperty("count") long count,
            @JsonProperty("keys") List<byte[]> keys,
            @JsonProperty("weights") long[] weights) {
        @JsonCreator
        public BucketSummary {
            keys = List.copyOf(keys);
            if (weights.length != keys.size()) {
                throw new IllegalArgumentException("keys and weights differ in length");
            }
        }
    }

    private record Sampled(byte[] key, long weight) {}

    private static final Comparator<Sampled> BY_KEY = (a, b) -> Arrays.compareUnsigned(a.key(), b.key());

    private static final class Bucket {
        long count;
        /** Rows added since the last sampled one (not in the sample yet), and the key of the last row added. */
        long carried;
        byte[] lastSeen;
        byte[][] keys = new byte[16][];
        long[] weights = new long[16];
        int size;

        void append(byte[] key, long weight) {
            if (size == keys.length) {
                keys = Arrays.copyOf(keys, size * 2);
                weights = Arrays.copyOf(weights, size * 2);
            }
            keys[size] = key;
            weights[size] = weight;
            size++;
        }

        /** Stable sort of the sample by key (equal keys keep their order). */
        void sortByKey() {
            Sampled[] e = new Sampled[size];
            for (int i = 0; i < size; i++) {
                e[i] = new Sampled(keys[i], weights[i]);
            }
            Arrays.sort(e, BY_KEY);
            byte[][] nk = new byte[Math.max(16, size)][];
            long[] nw = new long[Math.max(16, size)];
            for (int i = 0; i < size; i++) {
                nk[i] = e[i].key();
                nw[i] = e[i].weight();
            }
            keys = nk;
            weights = nw;
        }

        /**
         * Halves the sample until it holds at most {@code cap} keys, as a KLL sketch compacts: only the keys of the
         * lightest weight class (weights in [2^c, 2^(c+1))) that has two or more are paired, neighbours in key order
         * within that class. Pairing all keys at once let keys that had been compacted many times absorb their
         * neighbours again and again: on input in key order (older keys heavier), one key came to weigh 99% of the
         * rows and a two-way split fell at 99% instead of 50%.
         */
        void compact(int cap, SplittableRandom random) {
            while (size > cap && size > 1) {
                sortByKey();
                int lightest = lightestPairedClass();
                int w = 0;
                byte[] pendingKey = null; // a key of the class waiting for its neighbour (its slot may be rewritten)
                long pendingWeight = 0;
                for (int i = 0; i < size; i++) {
                    if (lightest >= 0 && weightClass(weights[i]) != lightest) {
                        keys[w] = keys[i];
                        weights[w] = weights[i];
                        w++;
                    } else if (pendingKey == null) {
                        pendingKey = keys[i];
                        pendingWeight = weights[i];
                    } else {
                        long wb = weights[i];
                        keys[w] = random.nextLong(pendingWeight + wb) < pendingWeight ? pendingKey : keys[i];
                        weights[w] = pendingWeight + wb;
                        w++;
                        pendingKey = null;
                    }
                }
                if (pendingKey != null) {
                    keys[w] = pendingKey;
                    weights[w] = pendingWeight;
                    w++;
                }
                for (int j = w; j < size; j++) {
                    keys[j] = null;
                }
                size = w;
            }
        }

        /**
         * The lightest weight class with at least two keys; -1 when every key is alone in its class (a sample of a
         * few keys, as when many buckets share {@code maxKeys}): then all neighbours are paired.
         */
        private int lightestPairedClass() {
            int[] perClass = new int[64];
            for (int i = 0; i < size; i++) {
                perClass[weightClass(weights[i])]++;
            }
            for (int c = 0; c < perClass.length; c++) {
                if (perClass[c] >= 2) {
                    return c;
                }
            }
            return -1;
        }

        private static int weightClass(long weight) {
            return 63 - Long.numberOfLeadingZeros(weight);
        }
    }

    public KeyStatistics() {
        this(DEFAULT_MAX_KEYS);
    }

    public KeyStatistics(int maxKeys) {
        if (maxKeys < 2) {
            throw new IllegalArgumentException("maxKeys must be >= 2");
        }
        this.maxKeys = maxKeys;
    }

    @JsonCreator
    public static KeyStatistics fromJson(
            @JsonProperty("maxKeys") int maxKeys, @JsonProperty("buckets") List<BucketSummary> buckets) {
        KeyStatistics s = new KeyStatistics(maxKeys <= 1 ? DEFAULT_MAX_KEYS : maxKeys);
        if (buckets != null) {
            for (BucketSummary b : buckets) {
                s.addSummary(b);
            }
        }
        return s;
    }

    @JsonProperty("maxKeys")
    public int maxKeys() {
        return maxKeys;
    }

    private int cap() {
        return Math.max(2, maxKeys / Math.max(1, buckets.size()));
    }

    /** Records one key of the given bucket (the bucket prefix may be the empty array). */
    public void add(byte[] bucket, byte[] key) {
        Bucket b;
        if (bucket == lastBucketKey || Arrays.equals(bucket, lastBucketKey)) {
            b = lastBucket; // rows mostly come bucket after bucket: no map lookup for each
        } else {
            b = buckets.get(bucket);
            if (b == null) {
                b = new Bucket();
                buckets.put(bucket, b);
            }
            lastBucketKey = bucket;
            lastBucket = b;
        }
        b.count++;
        if (b.size > 0 && b.carried == 0 && Arrays.equals(b.keys[b.size - 1], key)) {
            // a repeat of the key before (sorted input, a key of a few values): one sampled key weighs for both
            b.weights[b.size - 1]++;
            return;
        }
        // Past SAMPLE_FROM_ROWS_PER_KEY rows per kept key, one row in every `stride` is sampled, weighing for the
        // rows skipped since the one sampled before (every row sampled cost a sort of the sample every cap rows).
        int cap = cap();
        long stride = Math.max(1, b.count / (SAMPLE_FROM_ROWS_PER_KEY * cap));
        b.carried++;
        b.lastSeen = key;
        if (b.carried < stride) {
            return;
        }
        b.append(key, b.carried);
        b.carried = 0;
        if (b.size > 2 * cap) {
            b.compact(cap, random);
        }
    }

    private void addSummary(BucketSummary s) {
        Bucket b = buckets.get(s.bucket());
        if (b == null) {
            b = new Bucket();
            buckets.put(s.bucket(), b);
        }
        b.count += s.count();
        for (int i = 0; i < s.keys().size(); i++) {
            b.append(s.keys().get(i), s.weights()[i]);
        }
    }

    /** Adds another worker's statistics into this one. */
    public KeyStatistics merge(KeyStatistics other) {
        for (BucketSummary s : other.buckets()) {
            addSummary(s);
        }
        compactAll();
        return this;
    }

    private void compactAll() {
        int cap = cap();
        for (Bucket b : buckets.values()) {
            if (b.carried > 0) {
                b.append(b.lastSeen, b.carried); // the rows skipped since the last sampled one, on the last row's key
                b.carried = 0;
            }
            if (b.size > cap) {
                b.compact(cap, random);
            }
        }
    }

    /** Buckets in key order, each with its sample sorted by key (compacted to the size bound). */
    @JsonProperty("buckets")
    public List<BucketSummary> buckets() {
        compactAll();
        List<BucketSummary> out = new ArrayList<>(buckets.size());
        for (var e : buckets.entrySet()) {
            Bucket b = e.getValue();
            b.sortByKey();
            List<byte[]> keys = new ArrayList<>(b.size);
            for (int i = 0; i < b.size; i++) {
                keys.add(b.keys[i]);
            }
            out.add(new BucketSummary(e.getKey(), b.count, keys, Arrays.copyOf(b.weights, b.size)));
        }
        return Collections.unmodifiableList(out);
    }

    @JsonIgnore
    public long totalCount() {
        long t = 0;
        for (Bucket b : buckets.values()) {
            t += b.count;
        }
        return t;
    }

    @JsonIgnore
    public int bucketCount() {
        return buckets.size();
    }

    @JsonIgnore
    public boolean isEmpty() {
        return buckets.isEmpty();
    }

    /** Number of sampled keys held (bounded by about {@code maxKeys}). */
    @JsonIgnore
    public int sampleSize() {
        compactAll();
        int n = 0;
        for (Bucket b : buckets.values()) {
            n += b.size;
        }
        return n;
    }
}
