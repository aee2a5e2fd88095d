package io.tidemark.server.mqtt;

import java.math.BigInteger;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import org.eclipse.tahu.protobuf.SparkplugBProto.Payload;
import org.eclipse.tahu.protobuf.SparkplugBProto.Payload.Metric;

/**
 * Sparkplug B (Eclipse Tahu's protobuf definitions): topics, metric names as column names, metric values as sample
 * values, and the rebirth request. No state; see {@link SparkplugAliases} for the per edge node state.
 */
final class Sparkplug {
    static final String NAMESPACE = "spBv1.0";
    static final List<String> VARIABLES = List.of("group", "node", "device");
    /** The metric a host application sets to true in an NCMD to ask an edge node for a new NBIRTH. */
    static final String REBIRTH_METRIC = "Node Control/Rebirth";
    private static final int BOOLEAN = 11;
    private static final int INT8 = 1;
    private static final int INT16 = 2;
    private static final int INT32 = 3;
    private static final int UINT32 = 7;
    private static final int UINT64 = 8;

    private Sparkplug() {}

    /**
     * A Sparkplug topic: {@code spBv1.0/<group>/<type>/<node>[/<device>]}.
     *
     * @param device null for a message of the edge node itself
     */
    record Topic(String group, String type, String node, String device) {
        /** {@code group/node}: whose aliases a BIRTH defines (with the device, {@link #deviceKey}). */
        String nodeKey() {
            return group + "/" + node;
        }

        String deviceKey() {
            return device == null ? nodeKey() : nodeKey() + "/" + device;
        }

        /** The default rtId: {@code <group>/<node>[/<device>]}. */
        String defaultRtId() {
            return deviceKey();
        }

        java.util.Map<String, String> variables() {
            java.util.Map<String, String> m = new java.util.HashMap<>();
            m.put("group", group);
            m.put("node", node);
            m.put("device", device == null ? "" : device);
            return m;
        }
    }

    /** Whether {@code topic} is a host application's {@code spBv1.0/STATE/<host id>} (Sparkplug 3.0). */
    static boolean isState(String topic) {
        return topic.startsWith(NAMESPACE + "/STATE/") && topic.indexOf('/', NAMESPACE.length() + 7) < 0;
    }

    /** The topic's parts, or null when it is not a Sparkplug B topic of a group, type and edge node. */
    static Topic topic(String topic) {
        String[] p = topic.split("/", -1);
        if (p.length < 4 || p.length > 5 || !p[0].equals(NAMESPACE)) {
            return null;
        }
        for (String level : p) {
            if (level.isEmpty()) {
                return null;
            }
        }
        return new Topic(p[1], p[2], p[3], p.length == 5 ? p[4] : null);
    }

    /**
     * The column a metric's values go to: the name in lower case, every run of characters other than {@code a-z},
     * {@code 0-9} and {@code _} as one {@code _}, leading and trailing {@code _} dropped, {@code m_} in front of a
     * name that does not start with a letter, cut to 63 characters: {@code Inputs/Temperature} →
     * {@code inputs_temperature}, {@code 2nd Pump.RPM} → {@code m_2nd_pump_rpm}.
     */
    static String column(String metricName) {
        String lower = metricName.toLowerCase(Locale.ROOT);
        StringBuilder out = new StringBuilder(lower.length());
        boolean gap = false;
        for (int i = 0; i < lower.length(); i++) {
            char c = lower.charAt(i);
            boolean ok = c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_';
            if (!ok) {
                gap = true;
                continue;
            }
            if (gap && out.length() > 0) {
                out.append('_');
            }
            gap = false;
            out.append(c);
        }
        String s = out.toString().replaceAll("^_+|_+$", "");
        if (s.isEmpty() || s.charAt(0) < 'a' || s.charAt(0) > 'z') {
            s = "m_" + s;
        }
        return s.length() > 63 ? s.substring(0, 63) : s;
    }

    /** Why a metric's value cannot be stored: a DataSet, Template, bytes, file or array. */
    static final Object UNSUPPORTED = new Object();

    /**
     * The metric's value as a sample value: Long for the integer types (unsigned ones by their unsigned value; a
     * UInt64 past {@code Long.MAX_VALUE} as a {@link BigInteger}, which a BIGINT column refuses), Double for Float
     * and Double, Boolean, String for String, Text and UUID, Long epoch milliseconds for DateTime; null when
     * {@code is_null} or no value is set; {@link #UNSUPPORTED} for the others.
     *
     * @param datatype the metric's type from the message, else from its BIRTH; 0 when unknown
     */
    static Object value(Metric m, int datatype) {
        if (m.hasIsNull() && m.getIsNull()) {
            return null;
        }
        return switch (m.getValueCase()) {
            case INT_VALUE -> intValue(m.getIntValue(), datatype);
            case LONG_VALUE -> longValue(m.getLongValue(), datatype);
            case FLOAT_VALUE -> (double) m.getFloatValue();
            case DOUBLE_VALUE -> m.getDoubleValue();
            case BOOLEAN_VALUE -> m.getBooleanValue();
            case STRING_VALUE -> m.getStringValue();
            case VALUE_NOT_SET -> null;
            default -> UNSUPPORTED;
        };
    }

    private static Object intValue(int v, int datatype) {
        return switch (datatype) {
            case INT8 -> (long) (byte) v;
            case INT16 -> (long) (short) v;
            case INT32 -> (long) v;
            default -> Integer.toUnsignedLong(v); // UInt8, UInt16, UInt32 (Sparkplug 2.2) and untyped
        };
    }

    private static Object longValue(long v, int datatype) {
        if (datatype == UINT64 && v < 0) {
            return new BigInteger(Long.toUnsignedString(v));
        }
        if (datatype == UINT32) {
            return v & 0xFFFF_FFFFL;
        }
        return v;
    }

    /** The NCMD payload that asks an edge node for a rebirth. */
    static byte[] rebirthRequest(Instant now) {
        return Payload.newBuilder().setTimestamp(now.toEpochMilli()).addMetrics(Metric.newBuilder()
                .setName(REBIRTH_METRIC).setTimestamp(now.toEpochMilli()).setDatatype(BOOLEAN).setBooleanValue(true))
                .build().toByteArray();
    }

    /** {@code spBv1.0/<group>/NCMD/<node>}. */
    static String commandTopic(Topic t) {
        return NAMESPACE + "/" + t.group() + "/NCMD/" + t.node();
    }
}
