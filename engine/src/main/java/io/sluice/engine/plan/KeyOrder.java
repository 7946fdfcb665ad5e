package io.sluice.engine.plan;

/** Sort direction; NULLs sort first in ASCENDING and last in DESCENDING, as in Druid. */
public enum KeyOrder {
    ASCENDING,
    DESCENDING
}
