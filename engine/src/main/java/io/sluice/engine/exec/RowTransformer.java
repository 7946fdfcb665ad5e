package io.sluice.engine.exec;

import io.sluice.engine.rows.RowSource;

/** A stage processor on one worker: turns its input rows into output rows (in the stage's signature). */
@FunctionalInterface
public interface RowTransformer {
    RowSource transform(RowSource input);
}
