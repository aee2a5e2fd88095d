package io.tidemark.store.duckdb;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.Statement;

/**
 * A connection whose every statement gets a JDBC query timeout. {@code unwrap} reaches the driver's connection
 * (the Appender path), whose own statements are not bounded — appends do not wait on anything but the disk.
 */
final class QueryTimeouts implements InvocationHandler {
    private final Connection target;
    private final int seconds;

    private QueryTimeouts(Connection target, int seconds) {
        this.target = target;
        this.seconds = seconds;
    }

    static Connection bound(Connection c, int seconds) {
        return (Connection) Proxy.newProxyInstance(QueryTimeouts.class.getClassLoader(),
                new Class<?>[] {Connection.class}, new QueryTimeouts(c, seconds));
    }

    @Override
    public Object invoke(Object proxy, Method m, Object[] args) throws Throwable {
        Object out;
        try {
            out = m.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
        if (out instanceof Statement s) {
            s.setQueryTimeout(seconds);
        }
        return out;
    }
}
