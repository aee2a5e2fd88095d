package io.tidemark.rollup;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicIntegerArray;

/**
 * Orchestrators of one tenant ticking at the same time, one thread each, released together; each thread stops
 * after three ticks in a row that committed nothing (losing a race also commits nothing, so the caller finishes
 * with one more sequential run).
 */
final class ConcurrentTicks {
    private static final int MAX_TICKS = 5_000;
    private static final long JOIN_MILLIS = 120_000;

    private final AtomicIntegerArray buckets;
    private final List<Throwable> errors = new CopyOnWriteArrayList<>();

    private ConcurrentTicks(int n) {
        buckets = new AtomicIntegerArray(n);
    }

    static ConcurrentTicks run(RollupOrchestrator... orchestrators) throws InterruptedException {
        ConcurrentTicks race = new ConcurrentTicks(orchestrators.length);
        CyclicBarrier start = new CyclicBarrier(orchestrators.length);
        Thread[] threads = new Thread[orchestrators.length];
        for (int i = 0; i < orchestrators.length; i++) {
            int k = i;
            threads[i] = new Thread(() -> race.loop(k, orchestrators[k], start), "ticker-" + i);
            threads[i].start();
        }
        for (Thread t : threads) {
            t.join(JOIN_MILLIS);
            if (t.isAlive()) {
                race.errors.add(new AssertionError(t.getName() + " still ticking after " + JOIN_MILLIS + " ms"));
            }
        }
        return race;
    }

    private void loop(int k, RollupOrchestrator o, CyclicBarrier start) {
        try {
            start.await();
            int idle = 0;
            for (int i = 0; i < MAX_TICKS && idle < 3; i++) {
                int n = o.tick();
                buckets.addAndGet(k, n);
                idle = n == 0 ? idle + 1 : 0;
            }
        } catch (Exception | AssertionError e) {
            errors.add(e);
        }
    }

    int buckets() {
        int sum = 0;
        for (int i = 0; i < buckets.length(); i++) {
            sum += buckets.get(i);
        }
        return sum;
    }

    int bucketsOf(int k) {
        return buckets.get(k);
    }

    List<Throwable> errors() {
        return errors;
    }
}
