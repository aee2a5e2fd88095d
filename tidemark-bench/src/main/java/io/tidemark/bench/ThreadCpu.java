package io.tidemark.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * CPU time of this JVM's threads between two snapshots, summed by role (from the thread's name), so a benchmark that
 * runs server and clients in one process can say where its CPU went. A thread that ends between the snapshots is
 * not counted; one that starts counts from zero.
 */
final class ThreadCpu {
    private static final ThreadMXBean MX = ManagementFactory.getThreadMXBean();
    private final Map<Long, Long> nanos = new HashMap<>();
    private final Map<Long, String> names = new HashMap<>();

    private ThreadCpu() {}

    static ThreadCpu snapshot() {
        ThreadCpu s = new ThreadCpu();
        for (ThreadInfo t : MX.getThreadInfo(MX.getAllThreadIds())) {
            if (t == null) {
                continue;
            }
            long cpu = MX.getThreadCpuTime(t.getThreadId());
            if (cpu >= 0) {
                s.nanos.put(t.getThreadId(), cpu);
                s.names.put(t.getThreadId(), t.getThreadName());
            }
        }
        return s;
    }

    /** CPU seconds by role from {@code before} to this snapshot, largest first. */
    Map<String, Double> since(ThreadCpu before) {
        return since(before, ThreadCpu::role);
    }

    /** CPU seconds by {@code role} of the thread's name from {@code before} to this snapshot, largest first. */
    Map<String, Double> since(ThreadCpu before, java.util.function.Function<String, String> role) {
        Map<String, Double> by = new HashMap<>();
        nanos.forEach((id, cpu) -> by.merge(role.apply(names.get(id)), (cpu - before.nanos.getOrDefault(id, 0L)) / 1e9,
                Double::sum));
        Map<String, Double> sorted = new LinkedHashMap<>();
        by.entrySet().stream().sorted(Map.Entry.<String, Double>comparingByValue().reversed())
                .forEach(e -> sorted.put(e.getKey(), e.getValue()));
        return sorted;
    }

    static String role(String name) {
        if (name.startsWith("tidemark-live-delivery")) {
            return "server live delivery (encode, socket writes)";
        }
        if (name.startsWith("JettyServerThreadPool") || name.startsWith("qtp")) {
            return "server HTTP/WebSocket threads (ingest: parse, store write, onCommit)";
        }
        if (name.startsWith("tidemark-live-cut")) {
            return "server cuts";
        }
        if (name.startsWith("HttpClient-")) {
            return "JDK HTTP clients (1 publisher + WebSocket reads, decode)";
        }
        if (name.matches("tidemark-live-\\d+")) {
            return "client dispatch threads (callbacks)";
        }
        if (name.equals("main")) {
            return "bench publisher (builds rows, NDJSON)";
        }
        return "other (GC is not counted)";
    }
}
