package io.sluice.engine.exec;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/** Waiting for work handed to another thread, its failure thrown as it was thrown there. */
final class Futures {
    private Futures() {}

    /** The future's value; its failure's own exception when that is unchecked, else the {@link CompletionException}. */
    static <T> T join(CompletableFuture<T> f) {
        try {
            return f.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            if (e.getCause() instanceof Error err) {
                throw err;
            }
            throw e;
        }
    }
}
