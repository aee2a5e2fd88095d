package io.tidemark.server;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Several {@code tidemark serve} processes for one test, each a {@link NodeProcess} (a JVM of its own on 127.0.0.1
 * with free ports): started side by side, stopped, killed and restarted one by one, and all killed at the end.
 *
 * <p>Use it as a JUnit extension, {@code @RegisterExtension final ServerProcesses nodes = new ServerProcesses();},
 * or in try-with-resources. After each test (or on {@link #close()}) every node still running is killed with its
 * descendants; when the test failed, the tail of every node's output is printed and the directory holding the full
 * output is kept and named, otherwise it is deleted. A JVM shutdown hook kills the nodes too, so a test JVM that is
 * interrupted or times out leaves no orphan server behind.
 *
 * <p>Not thread-safe: one test thread drives it.
 */
final class ServerProcesses implements AfterEachCallback, AutoCloseable {
    private final List<NodeProcess> nodes = new ArrayList<>();
    private final Thread hook = new Thread(this::killAll, "server-processes-kill");
    private Path dir;

    /**
     * Starts {@code n} nodes named {@code node-0…node-(n-1)}, each with {@code args} (after the ports, which the
     * nodes choose), side by side; returns once every one serves, each within {@link NodeProcess#START_TIMEOUT}.
     */
    List<NodeProcess> start(int n, List<String> args) {
        List<NodeProcess> started = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            started.add(add("node-" + nodes.size(), NodeProcess.JVM_OPTIONS, args).launch());
        }
        started.forEach(NodeProcess::awaitServing);
        return List.copyOf(started);
    }

    /** Starts one more node named {@code name} with {@code args}; returns once it serves. */
    NodeProcess start(String name, List<String> args) {
        return start(name, NodeProcess.JVM_OPTIONS, args);
    }

    /** Starts one more node with other JVM options than {@link NodeProcess#JVM_OPTIONS}; returns once it serves. */
    NodeProcess start(String name, List<String> jvmOptions, List<String> args) {
        return add(name, jvmOptions, args).start();
    }

    /** Every node started, in order. */
    List<NodeProcess> nodes() {
        return List.copyOf(nodes);
    }

    NodeProcess node(int i) {
        return nodes.get(i);
    }

    /** The directory of the nodes' output files. */
    Path dir() {
        return dir;
    }

    private NodeProcess add(String name, List<String> jvmOptions, List<String> args) {
        if (dir == null) {
            try {
                dir = Files.createTempDirectory("tidemark-nodes-");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            Runtime.getRuntime().addShutdownHook(hook);
        }
        NodeProcess node = new NodeProcess(name, dir, jvmOptions, args);
        nodes.add(node);
        return node;
    }

    @Override
    public void afterEach(ExtensionContext context) {
        if (context.getExecutionException().isPresent() && dir != null) {
            StringBuilder b = new StringBuilder("server processes of the failed test " + context.getDisplayName()
                    + ", full output kept in " + dir + ":\n");
            nodes.forEach(n -> b.append(n.tail(40)));
            System.out.println(b);
            killAll();
            return;
        }
        close();
    }

    /** Kills every node still running and deletes the output directory. */
    @Override
    public void close() {
        killAll();
        if (dir == null) {
            return;
        }
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // the JVM is shutting down; the hook runs or ran
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a leftover temporary directory is not worth failing a test for
        }
        dir = null;
    }

    private void killAll() {
        for (NodeProcess n : nodes) {
            try {
                n.kill();
            } catch (AssertionError e) {
                System.err.println(e.getMessage());
            }
        }
    }
}
