package io.tidemark.server;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A plain TCP load balancer on a loopback port, for a client that must reach "the cluster" rather than one node:
 * each accepted connection goes to the first backend, in preference order, that accepts a TCP connection within
 * {@link #CONNECT_TIMEOUT_MILLIS}. A backend that dies breaks its connections (both sides closed), so a client that
 * reconnects lands on the next live backend; a backend that is back is preferred again for new connections.
 * {@link #connections()} counts, per backend, the connections it was given.
 */
final class Balancer implements AutoCloseable {
    static final int CONNECT_TIMEOUT_MILLIS = 1000;

    private final ServerSocket listener;
    private final List<Integer> backends;
    private final AtomicInteger[] given;
    private final List<Socket> open = new CopyOnWriteArrayList<>();

    /** @param backendPorts loopback ports in preference order */
    Balancer(List<Integer> backendPorts) throws IOException {
        this.backends = List.copyOf(backendPorts);
        this.given = new AtomicInteger[backends.size()];
        for (int i = 0; i < given.length; i++) {
            given[i] = new AtomicInteger();
        }
        this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(this::accept, "balancer-accept-" + listener.getLocalPort());
        acceptor.setDaemon(true);
        acceptor.start();
    }

    URI uri() {
        return URI.create("http://127.0.0.1:" + listener.getLocalPort());
    }

    /** Connections given to each backend so far, in the constructor's order. */
    List<Integer> connections() {
        List<Integer> out = new ArrayList<>();
        for (AtomicInteger g : given) {
            out.add(g.get());
        }
        return out;
    }

    private void accept() {
        while (!listener.isClosed()) {
            Socket client;
            try {
                client = listener.accept();
            } catch (IOException e) {
                return; // closed
            }
            Socket server = connect();
            if (server == null) {
                close(client);
                continue;
            }
            open.add(client);
            open.add(server);
            pump(client, server);
            pump(server, client);
        }
    }

    private Socket connect() {
        for (int i = 0; i < backends.size(); i++) {
            Socket s = new Socket();
            try {
                s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), backends.get(i)),
                        CONNECT_TIMEOUT_MILLIS);
                given[i].incrementAndGet();
                return s;
            } catch (IOException e) {
                close(s); // down: the next one
            }
        }
        return null;
    }

    private void pump(Socket from, Socket to) {
        Thread t = new Thread(() -> {
            byte[] buf = new byte[16 * 1024];
            try {
                InputStream in = from.getInputStream();
                OutputStream out = to.getOutputStream();
                for (int n; (n = in.read(buf)) >= 0;) {
                    out.write(buf, 0, n);
                    out.flush();
                }
            } catch (IOException e) {
                // one side closed or reset
            }
            close(from);
            close(to);
            open.remove(from);
            open.remove(to);
        }, "balancer-pump");
        t.setDaemon(true);
        t.start();
    }

    private static void close(Socket s) {
        try {
            s.close();
        } catch (IOException e) {
            // closing anyway
        }
    }

    @Override
    public void close() {
        try {
            listener.close();
        } catch (IOException e) {
            // closing anyway
        }
        open.forEach(Balancer::close);
    }
}
