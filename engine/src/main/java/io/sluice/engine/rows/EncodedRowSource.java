package io.sluice.engine.rows;

/**
 * A row source over frames whose rows can also be taken undecoded, in {@code RowCodec}'s tagged layout: a consumer
 * that keeps values as bytes (segment generation interning UTF-8 strings) then makes no {@code String} or boxed
 * number per value. {@link #next()} and {@link #advance} may be mixed; each moves past one row.
 */
public interface EncodedRowSource extends RowSource {
    /**
     * Moves past the next row without decoding it: {@code offsets[c]} (for c below both the row's column count and
     * {@code offsets.length}) gets the position in {@link #buffer()} of the row's value c. False, with nothing filled, when no rows are left. The
     * buffer holds the row until the next {@code advance} or {@code next}.
     */
    boolean advance(int[] offsets);

    /** The bytes holding the row of the last successful {@link #advance}. */
    byte[] buffer();
}
