package io.tidemark.client;

import io.tidemark.client.ConnectionLifecycle.Registered;
import io.tidemark.client.ConnectionLifecycle.Socket;
import io.tidemark.protocol.Frame;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The dispatch thread of one {@link Connection} ({@code tidemark-live-N}): turns the frames its sockets received into
 * listener callbacks, one at a time and in the order the server sent them, and converts wire values to Java ones.
 * When more than {@value #PAUSE_AT} frames wait, the socket stops reading (TCP backpressure reaches the server) until
 * fewer than {@value #RESUME_AT} do. A listener that throws loses only its own callback.
 */
final class FrameDispatch {
    private static final System.Logger LOG = System.getLogger(Connection.class.getName());
    private static final AtomicInteger IDS = new AtomicInteger();
    /** Queued callbacks above which the socket stops reading (TCP backpressure reaches the server). */
    private static final int PAUSE_AT = 20_000;
    private static final int RESUME_AT = 2_000;

    private final ConnectionLifecycle lifecycle;
    private final LinkedBlockingQueue<Runnable> queue = new LinkedBlockingQueue<>();
    /** Frames received and not yet handled: what pauses and resumes reading. */
    private final AtomicInteger queuedFrames = new AtomicInteger();
    private final Thread thread;
    private volatile String lastError;

    // Confined to the dispatch thread.
    private List<QueryListener> markListeners = List.of();
    /**
     * After a reconnect, the queries registered again whose snapshot has not begun yet. While any is left, the
     * generations the new server cuts are delivered as one: their inner {@code aggMarkEnd} / {@code aggMarkBegin}
     * pairs are held back, so a listener never sees a generation in which some queries show the new server's state
     * and others still the old one's.
     */
    private final java.util.Set<String> awaitingSnapshot = new java.util.HashSet<>();
    /** An {@code aggMarkEnd} held back (see {@link #awaitingSnapshot}): the next {@code aggMarkBegin} is too. */
    private boolean endHeld;

    FrameDispatch(ConnectionLifecycle lifecycle) {
        this.lifecycle = lifecycle;
        this.thread = new Thread(this::run, "tidemark-live-" + IDS.incrementAndGet());
        this.thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    /** Ends the thread once the tasks queued before are done. */
    void stop() {
        queue.add(() -> {
            throw new Stop();
        });
    }

    /** The last connection-level {@code error} frame the server sent, or null. */
    String lastError() {
        return lastError;
    }

    /** Queues the frames of one message of {@code s}: one task per message, so the thread wakes once per message. */
    void offer(Socket s, List<Frame> frames) {
        if (frames.isEmpty()) {
            return;
        }
        queuedFrames.addAndGet(frames.size());
        queue.add(() -> handleAll(s, frames));
    }

    /** Whether so many frames wait that the socket should stop reading. */
    boolean backlogged() {
        return queuedFrames.get() > PAUSE_AT;
    }

    /** Queues {@code exceptionRaised} for every registered query, which is then forgotten. */
    void failAll(TidemarkClientException e) {
        queue.add(() -> {
            for (Registered r : lifecycle.removeAll()) {
                r.listener.exceptionRaised(r.config.queryId(), e);
            }
        });
    }

    private void run() {
        while (true) {
            Runnable r;
            try {
                r = queue.take();
            } catch (InterruptedException e) {
                return;
            }
            try {
                r.run();
            } catch (Stop stop) {
                return;
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "tidemark live: a listener threw", e);
            }
            Socket s = lifecycle.current();
            if (s != null && s.paused.get() && queuedFrames.get() < RESUME_AT && s.paused.compareAndSet(true, false)) {
                s.lastHeard = System.nanoTime();
                s.ws.request(1);
            }
        }
    }

    /**
     * The frames of one message, in order, on the dispatch thread: one queued task per message, not per frame, so
     * the thread wakes once per message. A listener that throws loses only its own callback.
     */
    private void handleAll(Socket s, List<Frame> frames) {
        try {
            for (Frame f : frames) {
                try {
                    handle(s, f);
                } catch (Stop stop) {
                    throw stop;
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.WARNING, "tidemark live: a listener threw", e);
                }
            }
        } finally {
            queuedFrames.addAndGet(-frames.size());
        }
    }

    /** One frame, on the dispatch thread. Frames of a socket that is no longer current are dropped. */
    private void handle(Socket s, Frame f) {
        if (s != lifecycle.current()) {
            return;
        }
        if (f instanceof Frame.TupleFrame t) {
            tuple(t);
        } else if (f instanceof Frame.AggMarkBegin b) {
            if (endHeld) {
                endHeld = false; // the held generation goes on
                return;
            }
            markListeners = lifecycle.distinctListeners();
            markListeners.forEach(l -> l.aggMarkBegin(b.generation()));
        } else if (f instanceof Frame.AggMarkEnd e) {
            awaitingSnapshot.removeIf(id -> lifecycle.active(id) == null);
            if (!awaitingSnapshot.isEmpty()) {
                endHeld = true;
                return;
            }
            markListeners.forEach(l -> l.aggMarkEnd(e.generation()));
            markListeners = List.of();
        } else if (f instanceof Frame.SnapshotBegin b) {
            awaitingSnapshot.remove(b.queryId());
            Registered r = lifecycle.active(b.queryId());
            if (r != null) {
                r.schema = schema(b.schema());
                r.listener.snapshotBegin(b.queryId(), r.schema);
            }
        } else if (f instanceof Frame.SnapshotEnd e) {
            snapshotEnd(e.queryId());
        } else if (f instanceof Frame.QueryError q) {
            awaitingSnapshot.remove(q.queryId());
            Registered r = lifecycle.remove(q.queryId());
            if (r != null) {
                r.listener.exceptionRaised(q.queryId(), new TidemarkClientException(q.code(), 0, q.message(),
                        List.of()));
            }
        } else if (f instanceof Frame.QueryStatus q) {
            Registered r = lifecycle.active(q.queryId());
            if (r != null) {
                r.listener.queryStatusChanged(q.queryId(), new QueryStatus(q.status(), q.code(), q.message()));
            }
        } else if (f instanceof Frame.Hello h) {
            java.util.Set<String> again = lifecycle.ready(s, h);
            awaitingSnapshot.clear();
            awaitingSnapshot.addAll(again);
            endHeld = false;
        } else if (f instanceof Frame.Ping p) {
            s.send(new Frame.Pong(p.nonce()));
        } else if (f instanceof Frame.ConnectionError e) {
            lastError = e.code() + ": " + e.message();
            LOG.log(System.Logger.Level.WARNING, "tidemark live: the server reported " + lastError);
        }
    }

    private void tuple(Frame.TupleFrame t) {
        Registered r = lifecycle.active(t.queryId());
        if (r == null || r.schema == null) {
            return;
        }
        Tuple tuple = new Tuple(key(r.schema, t.key()), values(r.schema, t.values()));
        switch (t.kind()) {
            case ADDED -> r.listener.tupleAdded(t.queryId(), tuple);
            case UPDATED -> r.listener.tupleUpdated(t.queryId(), tuple);
            case REMOVED -> r.listener.tupleRemoved(t.queryId(), tuple);
        }
    }

    private void snapshotEnd(String queryId) {
        Registered r = lifecycle.active(queryId);
        if (r == null) {
            return;
        }
        if (r.config.type() == QueryType.SNAPSHOT) {
            lifecycle.remove(queryId); // the server dropped it after its snapshot; do not register it again on reconnect
        }
        r.listener.snapshotEnd(queryId);
    }

    // ---- values ------------------------------------------------------------------------------------------------

    private static QuerySchema schema(Frame.Schema s) {
        List<QuerySchema.Column> cols = new ArrayList<>(s.columns().size());
        for (Frame.Column c : s.columns()) {
            cols.add(new QuerySchema.Column(c.name(), c.type()));
        }
        return new QuerySchema(cols, s.keyColumns(), s.ordered());
    }

    private static List<Object> values(QuerySchema schema, List<Object> wire) {
        List<Object> out = new ArrayList<>(wire.size());
        for (int i = 0; i < wire.size(); i++) {
            String type = i < schema.columns().size() ? schema.columns().get(i).type() : "";
            out.add(convert(type, wire.get(i)));
        }
        return out;
    }

    private static List<Object> key(QuerySchema schema, List<Object> wire) {
        List<Object> out = new ArrayList<>(wire.size());
        for (int i = 0; i < wire.size(); i++) {
            boolean ts = i < schema.keyColumns().size() && schema.keyColumns().get(i).equals("timestamp");
            out.add(convert(ts ? "TIMESTAMP" : "", wire.get(i)));
        }
        return out;
    }

    private static Object convert(String type, Object v) {
        if (v == null) {
            return null;
        }
        return switch (type) {
            case "TIMESTAMP" -> v instanceof String s ? Instant.parse(s) : v;
            case "DOUBLE" -> v instanceof Number n ? (Object) n.doubleValue() : v;
            case "BIGINT" -> v instanceof Number n ? (Object) n.longValue() : v;
            default -> v;
        };
    }

    /** Ends the dispatch thread. */
    private static final class Stop extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Stop() {
            super(null, null, false, false);
        }
    }
}
