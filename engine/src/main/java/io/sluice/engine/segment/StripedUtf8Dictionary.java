package io.sluice.engine.segment;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A {@link Utf8Dictionary} that several threads intern into at once: the values are spread over {@link #STRIPES}
 * dictionaries by the top bits of their hash, each with its own lock, so that two threads interning two segments'
 * dictionaries (a GROUP BY's prefetch threads) mostly work in different stripes instead of taking turns. Value
 * {@code v} of stripe {@code s} has id {@code v << STRIPE_BITS | s}: ids are not dense, but {@link #idBound()} is
 * within a few percent of {@link #count()} once there are thousands of values (the stripes fill evenly).
 *
 * <p>Interning and {@link #count()}, {@link #idBound()}, {@link #memoryBytes()} are thread-safe. Reading values
 * ({@link #value}, {@link #arena}, {@link #start}, {@link #length}, {@link #sortedIds}) is for a thread that sees
 * every interning done, through a happens-before edge with the interning threads (a lock they released, or
 * its own interning).
 */
public final class StripedUtf8Dictionary {
    static final int STRIPE_BITS = 4;
    public static final int STRIPES = 1 << STRIPE_BITS;
    private static final int STRIPE_MASK = STRIPES - 1;

    private final Utf8Dictionary[] stripes = new Utf8Dictionary[STRIPES];
    private final ReentrantLock[] locks = new ReentrantLock[STRIPES];
    /** NULL's id, or -1 (volatile: {@link #isNull} may be asked on any thread). */
    private volatile int nullId = -1;

    public StripedUtf8Dictionary() {
        for (int s = 0; s < STRIPES; s++) {
            stripes[s] = new Utf8Dictionary();
            locks[s] = new ReentrantLock();
        }
    }

    private static int stripeOf(int hash) {
        return hash >>> (32 - STRIPE_BITS); // the top bits: each stripe's table uses the low ones
    }

    private static int id(int local, int stripe) {
        return local << STRIPE_BITS | stripe;
    }

    /** The id of NULL (the same id every time). */
    public int internNull() {
        int id = nullId;
        if (id >= 0) {
            return id;
        }
        locks[0].lock();
        try {
            id = id(stripes[0].internNull(), 0);
            nullId = id;
            return id;
        } finally {
            locks[0].unlock();
        }
    }

    /** The id of a string (null stands for NULL). */
    public int intern(String value) {
        if (value == null) {
            return internNull();
        }
        byte[] b = value.getBytes(StandardCharsets.UTF_8);
        return intern(b, 0, b.length);
    }

    /** The id of the string whose UTF-8 encoding is {@code bytes[from, from + length)}. */
    public int intern(byte[] bytes, int from, int length) {
        int h = Utf8Dictionary.hash(bytes, from, length);
        int s = stripeOf(h);
        locks[s].lock();
        try {
            return id(stripes[s].intern(h, bytes, from, length), s);
        } finally {
            locks[s].unlock();
        }
    }

    /**
     * Interns the values of a segment's dictionary whose ids {@code 1 .. out.length - 1} are marked in {@code used}
     * into {@code out} (the others are left as they are). The hashes are computed without a lock; then each stripe's
     * values are interned holding that stripe's lock, the stripes another thread holds last.
     */
    public void internAll(SegmentReader.DictionaryColumn column, boolean[] used, int[] out) {
        int n = out.length;
        byte[] bytes = column.utf8Bytes();
        Scratch scratch = SCRATCH.get();
        int[] hashes = scratch.get(Scratch.HASHES, n); // only the used ids' entries are written and read
        int[] starts = new int[STRIPES + 1];
        for (int id = 1; id < n; id++) {
            if (used[id]) {
                int h = Utf8Dictionary.hash(bytes, column.utf8Offset(id), column.utf8Length(id));
                hashes[id] = h;
                starts[stripeOf(h) + 1]++;
            }
        }
        for (int s = 0; s < STRIPES; s++) {
            starts[s + 1] += starts[s];
        }
        int m = starts[STRIPES];
        int[] ids = scratch.get(Scratch.IDS, m);
        int[] stripeHashes = scratch.get(Scratch.STRIPE_HASHES, m);
        int[] next = java.util.Arrays.copyOf(starts, STRIPES);
        for (int id = 1; id < n; id++) {
            if (used[id]) {
                int at = next[stripeOf(hashes[id])]++;
                ids[at] = id;
                stripeHashes[at] = hashes[id];
            }
        }
        boolean[] done = new boolean[STRIPES];
        int left = 0;
        for (int s = 0; s < STRIPES; s++) {
            done[s] = starts[s] == starts[s + 1];
            left += done[s] ? 0 : 1;
        }
        // first the stripes no other thread holds, then wait for the rest
        for (int pass = 0; left > 0; pass++) {
            for (int s = 0; s < STRIPES && left > 0; s++) {
                if (done[s]) {
                    continue;
                }
                if (pass == 0) {
                    if (!locks[s].tryLock()) {
                        continue;
                    }
                } else {
                    locks[s].lock();
                }
                try {
                    stripes[s].internAll(column, ids, stripeHashes, starts[s], starts[s + 1], out);
                } finally {
                    locks[s].unlock();
                }
                for (int i = starts[s]; i < starts[s + 1]; i++) {
                    out[ids[i]] = id(out[ids[i]], s);
                }
                done[s] = true;
                left--;
            }
        }
    }

    /**
     * Per thread, the arrays {@link #internAll} works in (used only during a call): a GROUP BY's prefetch threads
     * intern two dictionaries of every segment, and new arrays for each made ~600 MB of garbage per q3. Arrays longer
     * than {@link Scratch#MAX_KEPT} are not kept (a pool thread would hold them for good).
     */
    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    private static final class Scratch {
        static final int MAX_KEPT = 1 << 18;
        static final int HASHES = 0;
        static final int IDS = 1;
        static final int STRIPE_HASHES = 2;
        private final int[][] kept = {new int[0], new int[0], new int[0]};

        /** Array {@code k} with room for {@code n} ints: the kept one, or a new one, kept instead if not too long. */
        int[] get(int k, int n) {
            int[] a = kept[k];
            if (a.length >= n) {
                return a;
            }
            if (n > MAX_KEPT) {
                return new int[n];
            }
            a = new int[Math.min(MAX_KEPT, Math.max(n, a.length + a.length / 2))];
            kept[k] = a;
            return a;
        }
    }

    /** How many values are held. */
    public int count() {
        int n = 0;
        for (int s = 0; s < STRIPES; s++) {
            n += size(s);
        }
        return n;
    }

    /** One more than the largest id given so far (0 when empty): arrays indexed by id need this length. */
    public int idBound() {
        int bound = 0;
        for (int s = 0; s < STRIPES; s++) {
            int size = size(s);
            if (size > 0) {
                bound = Math.max(bound, id(size - 1, s) + 1);
            }
        }
        return bound;
    }

    /** Values held in stripe {@code s}. */
    private int size(int s) {
        locks[s].lock();
        try {
            return stripes[s].size();
        } finally {
            locks[s].unlock();
        }
    }

    /** Approximate heap bytes held. */
    public long memoryBytes() {
        long bytes = 0;
        for (int s = 0; s < STRIPES; s++) {
            locks[s].lock();
            try {
                bytes += stripes[s].memoryBytes();
            } finally {
                locks[s].unlock();
            }
        }
        return bytes;
    }

    public boolean isNull(int id) {
        return id == nullId;
    }

    /** The value of an id (null for NULL's id). */
    public String value(int id) {
        return id == nullId ? null : stripes[id & STRIPE_MASK].value(id >>> STRIPE_BITS);
    }

    /** The array holding the value's bytes (do not modify). */
    public byte[] arena(int id) {
        return stripes[id & STRIPE_MASK].arena();
    }

    /** Where the value's bytes start in {@link #arena(int)}. */
    public int start(int id) {
        return stripes[id & STRIPE_MASK].start(id >>> STRIPE_BITS);
    }

    /** Length in bytes of the value's UTF-8 encoding (0 for NULL). */
    public int length(int id) {
        return stripes[id & STRIPE_MASK].length(id >>> STRIPE_BITS);
    }

    /**
     * Every id, ordered by value as {@link Utf8Dictionary#sortedIds()} orders them: NULL first, then by unsigned UTF-8
     * bytes, a prefix before its extensions.
     */
    public int[] sortedIds() {
        int bound = idBound();
        if (bound > Utf8Dictionary.MAX_SORTABLE) {
            throw new IllegalStateException("too many values to sort: ids up to " + bound);
        }
        int count = 0;
        for (Utf8Dictionary d : stripes) {
            count += d.size();
        }
        int[] ids = new int[count];
        int n = 0;
        int nul = nullId;
        if (nul >= 0) {
            ids[n++] = nul;
        }
        for (int s = 0; s < STRIPES; s++) {
            int size = stripes[s].size();
            for (int local = 0; local < size; local++) {
                int id = id(local, s);
                if (id != nul) {
                    ids[n++] = id;
                }
            }
        }
        int from = nul >= 0 ? 1 : 0;
        Utf8Dictionary.sort(stripes, STRIPE_BITS, ids, from, count, false);
        return ids;
    }
}
