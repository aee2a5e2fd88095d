package io.tidemark.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.tidemark.core.TenantId;
import io.tidemark.live.DuckOracle;
import io.tidemark.live.Samples;
import io.tidemark.testing.MutableClock;
import io.tidemark.testing.Seeds;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The log follower against a real broker (issue 15, docs/scale-out.md "Live nodes"): nodes whose wall clocks differ
 * (a year ahead, a year behind, jumping by up to a day on every read) follow one partition that a writer fills with
 * batches of three tenants, refused and unreadable records, and cuts that leave records above {@code upTo} for later;
 * at every {@code aggMarkEnd(g)} every node delivers the same generations with identical results, equal to DuckDB's
 * evaluation from scratch over the accepted batches below cut {@code g}'s {@code upTo} at its log time. Nodes that
 * join a tenant later — a follower started late at the store's position, a tenant added to a running follower that
 * already read past its position — match from their first cut. One broker for the class; each test has its topic.
 *
 * <p>Replay a run with {@code -Dtest.seed=<seed>}.
 */
class LogFollowerIT {
    private static KafkaBroker broker;
    private static DuckOracle duck;
    private static int topics;

    @BeforeAll
    static void start() throws Exception {
        broker = KafkaBroker.start();
        duck = new DuckOracle();
    }

    @AfterAll
    static void stop() throws Exception {
        if (duck != null) {
            duck.close();
        }
        if (broker != null) {
            broker.close();
        }
    }

    static LongStream seeds() {
        return Seeds.fixedAndRandom("LogFollowerIT", 1L);
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void follow_differentWallClocks_sameGenerationsAndResultsAsFromScratch(long seed) throws Exception {
        try (FollowScenario s = new FollowScenario(broker.bootstrapServers(), "t-follow-" + ++topics, seed)) {
            FollowScenario.Node ahead = s.new Node("ahead", new MutableClock(Samples.T0.plus(Duration.ofDays(365))));
            FollowScenario.Node behind = s.new Node("behind",
                    Clock.fixed(Samples.T0.minus(Duration.ofDays(365)), ZoneOffset.UTC));
            FollowScenario.Node jitter = s.new Node("jitter", new FollowScenario.JitterClock(seed));
            // a buffer bound below most records: it drops and reads the log again at nearly every record
            FollowScenario.Node tight = s.new Node("tight", Clock.systemUTC(), 200);
            for (TenantId t : s.tenants) {
                ahead.join(t, 0);
                behind.join(t, 0);
                tight.join(t, 0);
            }
            jitter.join(s.tenants.get(0), 0);
            jitter.join(s.tenants.get(1), 0);
            ahead.start();
            behind.start();
            jitter.start();
            tight.start();

            s.steps(60);
            s.cut(s.storePosition());
            long stored = s.lastUpTo();
            s.steps(25);
            // the third tenant joins the running jitter node at a store position read a while ago, which the node
            // has read past (records and cuts): it reads that stretch again for the tenant
            jitter.awaitCut(s.cut(s.storePosition()));
            jitter.join(s.tenants.get(2), stored);
            s.steps(60);
            // a node started late joins every tenant at the store's position
            FollowScenario.Node late = s.new Node("late", Clock.systemUTC());
            long position = s.storePosition();
            for (TenantId t : s.tenants) {
                late.join(t, position);
            }
            late.start();
            s.steps(80);
            s.cut(s.storePosition());

            int checked = s.check(duck);
            System.out.printf("seed %d: %d results checked against DuckDB; %d unreadable records%n", seed, checked,
                    s.unreadable);
            assertThat(checked).isGreaterThan(100);
            assertThat(ahead.follower.status().undecodable()).isEqualTo(s.unreadable);
            assertThat(ahead.follower.status().lag()).isZero();
            assertThat(ahead.follower.status().buffered()).isZero();
            assertThat(ahead.follower.status().overflows()).isZero();
            assertThat(tight.follower.status().overflows()).as("the tight node dropped its buffer").isPositive();
            assertThat(jitter.first.get(s.tenants.get(2)).get(1, TimeUnit.SECONDS)).isPositive();
        }
    }

    @Test
    void follow_brokerRestartedAndNodeReplaced_resumesAndMatches() throws Exception {
        long seed = 7;
        try (FollowScenario s = new FollowScenario(broker.bootstrapServers(), "t-fault-" + ++topics, seed)) {
            FollowScenario.Node ahead = s.new Node("ahead", new MutableClock(Samples.T0.plus(Duration.ofDays(365))));
            FollowScenario.Node behind = s.new Node("behind",
                    Clock.fixed(Samples.T0.minus(Duration.ofDays(365)), ZoneOffset.UTC));
            FollowScenario.Node jitter = s.new Node("jitter", new FollowScenario.JitterClock(seed));
            for (TenantId t : s.tenants) {
                ahead.join(t, 0);
                behind.join(t, 0);
                jitter.join(t, 0);
            }
            ahead.start();
            behind.start();
            jitter.start();
            s.steps(50);
            long before = s.cut(s.storePosition());

            broker.stop();
            long positionWhileDown = ahead.follower.status().position();
            broker.restart();
            s.steps(50);
            ahead.awaitCut(s.cut(s.storePosition()));
            assertThat(ahead.follower.status().position()).as("resumed after the broker restart")
                    .isGreaterThan(Math.max(before, positionWhileDown));

            // a node goes away; a new one joins at the store's position as of the last cut and follows from there
            jitter.close();
            assertThat(jitter.follower.status().state()).isEqualTo(FollowerStatus.State.CLOSED);
            FollowScenario.Node replacement = s.new Node("replacement", new FollowScenario.JitterClock(seed + 1));
            long stored = s.lastUpTo();
            for (TenantId t : s.tenants) {
                replacement.join(t, stored);
            }
            replacement.start();
            s.steps(50);
            s.cut(s.storePosition());

            int checked = s.check(duck);
            System.out.printf("faults, seed %d: %d results checked against DuckDB%n", seed, checked);
            assertThat(checked).isGreaterThan(100);
        }
    }
}
