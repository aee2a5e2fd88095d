package io.tidemark.server.mqtt;

import java.util.Locale;

/**
 * Why an MQTT message was refused: the {@code reason} tag of {@code tidemark_mqtt_rejected_total} and of the GraphQL
 * status. A refused message is acknowledged to the broker (it would never succeed) and never holds up the others.
 * A fixed set, so the metric's series stay bounded.
 */
public enum MqttRejection {
    /** The payload is not a JSON sample object or array of them, or not a Sparkplug B protobuf payload. */
    MALFORMED,
    /** The samples were read and refused: types, unknown columns, a missing rtId, timestamps out of range. */
    INVALID_VALUES,
    /** A JSON array without samples. */
    EMPTY,
    /** Over {@code ingest.max-bytes} or {@code ingest.max-rows}. */
    TOO_LARGE,
    /** The archive the subscription maps the topic to does not exist (or is not a valid name). */
    UNKNOWN_ARCHIVE,
    /** The archive is a rollup archive or not ACTIVATED. */
    ARCHIVE_STATE,
    /** A JSON sample's own rtId differs from the one the subscription's {@code rt-id} gives. */
    RT_ID_CONFLICT,
    /** Sparkplug DATA names a metric by an alias no BIRTH seen since Tidemark connected defined. */
    UNKNOWN_ALIAS,
    /** The topic matches no subscription's topic (or is not a Sparkplug topic of a Sparkplug subscription). */
    NO_SUBSCRIPTION;

    /** The tag value: the name in lower case. */
    public String tag() {
        return name().toLowerCase(Locale.ROOT);
    }
}
