package io.tidemark.sql.wire;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/** Builds frontend messages byte by byte, as a client would send them, for codec and protocol tests. */
final class Frontend {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

    Frontend message(char type, Body body) {
        ByteArrayOutputStream content = new ByteArrayOutputStream();
        try {
            body.write(new DataOutputStream(content));
            DataOutputStream out = new DataOutputStream(bytes);
            out.writeByte(type);
            out.writeInt(content.size() + 4);
            content.writeTo(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return this;
    }

    Frontend parse(String name, String sql, int... parameterOids) {
        return message('P', out -> {
            cstring(out, name);
            cstring(out, sql);
            out.writeShort(parameterOids.length);
            for (int oid : parameterOids) {
                out.writeInt(oid);
            }
        });
    }

    /** Bind with text parameters ({@code null} for NULL) and one result format code for all columns. */
    Frontend bind(String portal, String statement, int resultFormat, String... parameters) {
        return message('B', out -> {
            cstring(out, portal);
            cstring(out, statement);
            out.writeShort(0);
            out.writeShort(parameters.length);
            for (String parameter : parameters) {
                if (parameter == null) {
                    out.writeInt(-1);
                    continue;
                }
                byte[] value = parameter.getBytes(StandardCharsets.UTF_8);
                out.writeInt(value.length);
                out.write(value);
            }
            out.writeShort(1);
            out.writeShort(resultFormat);
        });
    }

    Frontend describe(char kind, String name) {
        return message('D', out -> {
            out.writeByte(kind);
            cstring(out, name);
        });
    }

    Frontend execute(String portal, int maxRows) {
        return message('E', out -> {
            cstring(out, portal);
            out.writeInt(maxRows);
        });
    }

    Frontend close(char kind, String name) {
        return message('C', out -> {
            out.writeByte(kind);
            cstring(out, name);
        });
    }

    Frontend query(String sql) {
        return message('Q', out -> cstring(out, sql));
    }

    Frontend sync() {
        return message('S', out -> { });
    }

    Frontend terminate() {
        return message('X', out -> { });
    }

    byte[] toByteArray() {
        return bytes.toByteArray();
    }

    static void cstring(DataOutputStream out, String value) throws IOException {
        out.write(value.getBytes(StandardCharsets.UTF_8));
        out.writeByte(0);
    }

    interface Body {
        void write(DataOutputStream out) throws IOException;
    }
}
