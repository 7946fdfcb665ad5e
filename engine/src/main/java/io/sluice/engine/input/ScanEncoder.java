package io.sluice.engine.input;

/**
 * The parse thread's half of a stage that writes parsed rows straight into its output's layout: a JSON reader in
 * encoded mode ({@link InputFormats#openEncoded}) gives it each row, and it appends the row, processed and encoded,
 * to an {@link EncodedRows} batch. Rows the fast scanner reads come as a {@link ScannedRow} (some values still bytes of
 * the input); rows read with Jackson come as values, as any reader gives them.
 */
public interface ScanEncoder {
    /**
     * Per column of the input signature: whether a STRING value (unescaped, well-formed UTF-8) or a LONG integer read
     * by the fast scanner is left in the input's bytes ({@link ScannedRow#kind}) instead of becoming a value.
     */
    boolean[] byteColumns();

    /**
     * Appends the row (or nothing, when the stage's filter drops it). False, with nothing appended, when the row must
     * be read as values instead: the scanner then gives up on its block, which is read with Jackson.
     */
    boolean encodeScanned(ScannedRow row, EncodedRows out);

    /** Appends the row read as values (or nothing, when the stage drops it); may throw the stage's faults. */
    void encodeRow(Object[] row, EncodedRows out);

    /**
     * Called once the rows of a batch are final (no block's rows will be taken back), before the batch is handed on;
     * {@code last} when the split's input has ended. A stage that combines rows (a pre-shuffle GROUP BY) may replace
     * the batch's rows here with the rows it emits. Does nothing by default.
     */
    default void endBatch(EncodedRows out, boolean last) {}
}
