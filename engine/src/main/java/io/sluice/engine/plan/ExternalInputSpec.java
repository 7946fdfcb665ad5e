package io.sluice.engine.plan;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sluice.engine.types.RowSignature;

/**
 * EXTERN input: Druid's {@code inputSource} and {@code inputFormat} JSON objects kept verbatim (they are echoed in
 * the report), and the declared signature of the rows read.
 */
public record ExternalInputSpec(ObjectNode inputSource, ObjectNode inputFormat, RowSignature signature)
        implements InputSpec {
    public ExternalInputSpec {
        requireNonNull(inputSource, "inputSource is null");
        requireNonNull(inputFormat, "inputFormat is null");
        requireNonNull(signature, "signature is null");
    }
}
