package io.sluice.engine.storage;

/** A metadata-store operation failed (connection, SQL or serialisation error); nothing was changed by it. */
public class MetadataStoreException extends RuntimeException {
    public MetadataStoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
