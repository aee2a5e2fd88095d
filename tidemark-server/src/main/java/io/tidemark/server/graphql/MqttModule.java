package io.tidemark.server.graphql;

import graphql.schema.idl.RuntimeWiring;
import graphql.schema.idl.TypeRuntimeWiring;
import io.tidemark.core.Role;
import io.tidemark.server.Operations;
import io.tidemark.server.auth.Caller;
import io.tidemark.server.mqtt.MqttIngest;
import io.tidemark.server.mqtt.MqttStatus;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@code mqtt}: the MQTT ingest status, {@code graphql/mqtt.graphqls}. */
public final class MqttModule implements GraphQlModule {
    private final MqttIngest mqtt;

    /** @param mqtt the server's MQTT ingest, or null when it has none */
    public MqttModule(MqttIngest mqtt) {
        this.mqtt = mqtt;
    }

    @Override
    public String sdlResource() {
        return "graphql/mqtt.graphqls";
    }

    @Override
    public void wire(RuntimeWiring.Builder w, Operations ops) {
        w.type(TypeRuntimeWiring.newTypeWiring("Query").dataFetcher("mqtt", env -> status(CoreModule.caller(env))));
    }

    /** Null for another tenant's caller, as if there were none: the broker and topics are the tenant's business. */
    private Map<String, Object> status(Caller c) {
        c.require(Role.READER, "read the MQTT status");
        if (mqtt == null || !mqtt.tenant().equals(c.tenant())) {
            return null;
        }
        MqttStatus s = mqtt.status();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("connected", s.connected());
        m.put("broker", s.broker());
        m.put("clientId", s.clientId());
        m.put("version", s.version());
        m.put("lagSeconds", s.lagSeconds());
        m.put("reconnects", s.reconnects());
        m.put("lastError", s.lastError());
        m.put("lastErrorAt", s.lastErrorAt());
        m.put("subscriptions", s.subscriptions().stream().map(MqttModule::subscription).toList());
        return m;
    }

    private static Map<String, Object> subscription(MqttStatus.Subscription s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", s.name());
        m.put("topic", s.topic());
        m.put("filter", s.filter());
        m.put("format", s.format());
        m.put("archive", s.archive());
        m.put("messages", s.messages());
        m.put("samples", s.samples());
        List<Map<String, Object>> r = s.rejected().stream()
                .map(x -> Map.<String, Object>of("reason", x.reason(), "count", x.count())).toList();
        m.put("rejected", r);
        m.put("ignoredMetrics", s.ignoredMetrics());
        m.put("lastMessageAt", s.lastMessageAt());
        return m;
    }
}
