package io.sluice.engine.exec;

/** Folds two rows with equal keys into one (for {@code aggregate} shuffles). May return (and mutate) {@code a}. */
@FunctionalInterface
public interface RowCombiner {
    Object[] combine(Object[] a, Object[] b);
}
