package io.sluice.engine.frame;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.smile.SmileFactory;
import com.fasterxml.jackson.dataformat.smile.SmileGenerator;
import java.nio.charset.StandardCharsets;
import net.jpountz.xxhash.XXHash64;
import net.jpountz.xxhash.XXHashFactory;

/**
 * The sort order of {@code COMPLEX<json>} values, as Druid orders nested data: strings first (by their text), then
 * numbers (by value), then objects and arrays by a 64-bit XXHash of their SMILE serialisation (Druid's nested-data
 * serialisation). The order of objects is arbitrary but deterministic and the same as Druid's, which is what an
 * {@code ORDER BY} on such a column returns there.
 */
public final class JsonOrder {
    private static final int SEED = 0x9747b28c;
    private static final XXHash64 HASH = XXHashFactory.safeInstance().hash64();
    private static final ObjectMapper SMILE = smileMapper();

    private JsonOrder() {}

    private static ObjectMapper smileMapper() {
        SmileFactory f = new SmileFactory();
        f.configure(SmileGenerator.Feature.ENCODE_BINARY_AS_7BIT, false);
        f.delegateToTextual(true);
        return new ObjectMapper(f);
    }

    /** A byte string whose unsigned lexicographic order is the value's order (null is handled by the caller). */
    public static byte[] sortKey(Object v) {
        if (v instanceof String s) {
            byte[] text = s.getBytes(StandardCharsets.UTF_8);
            byte[] out = new byte[1 + text.length];
            out[0] = 1;
            System.arraycopy(text, 0, out, 1, text.length);
            return out;
        }
        if (v instanceof Number n) {
            long bits = Double.doubleToLongBits(n.doubleValue());
            bits = bits < 0 ? ~bits : bits ^ Long.MIN_VALUE;
            return withLong((byte) 2, bits);
        }
        return withLong((byte) 3, hash(v) ^ Long.MIN_VALUE);
    }

    /** Druid's hash of a nested value: XXHash64 (seed 0x9747b28c) of its SMILE bytes. */
    static long hash(Object v) {
        try {
            byte[] smile = SMILE.writeValueAsBytes(v);
            return HASH.hash(smile, 0, smile.length, SEED);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("Cannot serialise a COMPLEX<json> value: " + e.getMessage(), e);
        }
    }

    private static byte[] withLong(byte tag, long x) {
        byte[] out = new byte[9];
        out[0] = tag;
        for (int i = 0; i < 8; i++) {
            out[1 + i] = (byte) (x >>> (56 - 8 * i));
        }
        return out;
    }
}
