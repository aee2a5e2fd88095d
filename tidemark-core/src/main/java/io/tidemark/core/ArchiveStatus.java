package io.tidemark.core;

/** Lifecycle of an archive: {@code CREATED → ACTIVATED ↔ DISABLED}. Samples are accepted only when ACTIVATED. */
public enum ArchiveStatus {
    CREATED,
    ACTIVATED,
    DISABLED
}
