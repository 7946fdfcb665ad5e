package io.sluice.engine.expr;

import static java.util.Objects.requireNonNull;

import java.util.List;
import java.util.stream.Collectors;

/** A function or operator application; {@code function} is one of the names in {@link Fn}. */
public record Call(String function, List<Expr> args) implements Expr {
    public Call {
        requireNonNull(function, "function is null");
        args = List.copyOf(args);
    }

    public static Call of(Fn fn, Expr... args) {
        return new Call(fn.id(), List.of(args));
    }

    @Override
    public String toDruidString() {
        return function + "(" + args.stream().map(Expr::toDruidString).collect(Collectors.joining(",")) + ")";
    }
}
