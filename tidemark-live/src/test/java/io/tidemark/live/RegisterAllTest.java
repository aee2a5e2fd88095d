package io.tidemark.live;

import static io.tidemark.live.Samples.T0;
import static org.assertj.core.api.Assertions.assertThat;

import io.tidemark.core.ErrorCode;
import io.tidemark.core.TenantId;
import io.tidemark.core.TidemarkException;
import io.tidemark.testing.MutableClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * {@link Subscription#registerAll}: queries registered together restart in one generation even while another thread
 * commits and cuts as fast as it can (a client re-registering its queries after a reconnect).
 */
class RegisterAllTest {
    private static final TenantId TENANT = TenantId.of("acme");

    @Test
    void registerAll_whileAnotherThreadCuts_everyPairSnapshotsInOneGeneration() throws Exception {
        LiveEngine engine = LiveEngine.builder().clock(new MutableClock(T0)).deliveryExecutor(Runnable::run).build();
        engine.defineArchive(TENANT, Samples.M, Duration.ofHours(1));
        RecordingListener listener = new RecordingListener();
        Subscription sub = engine.subscribe(TENANT, Set.of(Capabilities.AGG_MARK_END), listener);
        AtomicBoolean stop = new AtomicBoolean();
        Thread cutter = new Thread(() -> {
            for (int i = 0; !stop.get(); i++) {
                engine.onCommit(TENANT, Samples.batch().add("r" + (i % 5), T0.plusMillis(i), 1.0, i).build());
                engine.cut(TENANT);
            }
        }, "cutter");
        cutter.start();
        int pairs = 300;
        try {
            for (int i = 0; i < pairs; i++) {
                Map<String, Throwable> failed = sub.registerAll(List.of(
                        QueryConfig.of("a" + i, "SELECT COUNT(*) AS n FROM recent.m"),
                        QueryConfig.of("b" + i, "SELECT rtId, a FROM latest.m")));
                assertThat(failed).isEmpty();
            }
        } finally {
            stop.set(true);
            cutter.join(Duration.ofSeconds(30).toMillis());
        }
        assertThat(cutter.isAlive()).isFalse();
        engine.onCommit(TENANT, Samples.batch().add("last", T0.minusSeconds(1), 1.0, 1).build());
        engine.cut(TENANT);

        Map<String, Long> snapshotIn = new HashMap<>();
        long open = -1;
        for (String e : listener.drainEvents()) {
            if (e.startsWith("begin ")) {
                open = Long.parseLong(e.substring(6));
            } else if (e.startsWith("snapshotBegin ")) {
                snapshotIn.put(e.substring(14), open);
            }
        }
        List<String> split = new ArrayList<>();
        for (int i = 0; i < pairs; i++) {
            assertThat(snapshotIn).containsKeys("a" + i, "b" + i);
            if (!snapshotIn.get("a" + i).equals(snapshotIn.get("b" + i))) {
                split.add("a" + i + " in " + snapshotIn.get("a" + i) + ", b" + i + " in " + snapshotIn.get("b" + i));
            }
        }
        assertThat(split).as("pairs registered together whose snapshots came in two generations").isEmpty();
        assertThat(listener.violations).isEmpty();
    }

    @Test
    void registerAll_oneQueryFails_theOthersRegister_failuresByIdAsRegisterThrows() {
        LiveEngine engine = LiveEngine.builder().clock(new MutableClock(T0)).deliveryExecutor(Runnable::run).build();
        engine.defineArchive(TENANT, Samples.M, Duration.ofHours(1));
        RecordingListener listener = new RecordingListener();
        Subscription sub = engine.subscribe(TENANT, Set.of(Capabilities.AGG_MARK_END), listener);
        Map<String, Throwable> failed = sub.registerAll(List.of(QueryConfig.of("ok1", "SELECT rtId FROM latest.m"),
                QueryConfig.of("bad", "SELECT rtId FROM latest.nosuch"),
                QueryConfig.of("ok2", "SELECT COUNT(*) AS n FROM recent.m")));
        assertThat(failed).containsOnlyKeys("bad");
        assertThat(failed.get("bad")).isInstanceOfSatisfying(TidemarkException.class,
                e -> assertThat(e.code()).isEqualTo(ErrorCode.NOT_FOUND));
        engine.cut(TENANT);
        assertThat(listener.drainEvents()).contains("snapshotBegin ok1", "snapshotBegin ok2")
                .doesNotContain("snapshotBegin bad");
    }
}
