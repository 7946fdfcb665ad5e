package io.sluice.engine.actor;

/** Marker for every actor message: serialised with Jackson CBOR (bound in reference.conf). */
public interface CborSerializable {}
