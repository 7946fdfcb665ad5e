package io.sluice.engine.expr;

/** An expression compiled against an input signature: column references resolved to positions. */
@FunctionalInterface
public interface CompiledExpr {
    /** The value for one input row; SQL NULL is Java null. */
    Object eval(Object[] row);
}
