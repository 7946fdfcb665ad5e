package io.sluice.engine.input;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * One unit of external-input work: a single file, a single URI or the inline data.
 *
 * @param source a single-file input source JSON, e.g. {@code {"type":"local","files":["/abs/f.json.gz"]}}
 * @param description the file URI or path used in messages ({@code file:/abs/f.json}, {@code http://...},
 *     {@code inline})
 * @param sizeBytes size on disk (compressed), or -1 when unknown
 */
public record InputSplit(ObjectNode source, String description, long sizeBytes) {
    public InputSplit {
        requireNonNull(source, "source is null");
        requireNonNull(description, "description is null");
        if (sizeBytes < -1) {
            throw new IllegalArgumentException("sizeBytes must be >= -1");
        }
    }
}
