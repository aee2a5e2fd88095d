package io.tidemark.sql.wire;

import io.tidemark.sql.SqlException;
import io.tidemark.sql.SqlState;
import java.nio.charset.StandardCharsets;

/**
 * One frontend message: its type byte (0 for the untyped startup packets) and its body, read front to back. Reading
 * past the end or a string without its terminator is a protocol violation (08P01).
 */
final class Message {
    final byte type;
    private final byte[] body;
    private int position;

    Message(byte type, byte[] body) {
        this.type = type;
        this.body = body;
    }

    int remaining() {
        return body.length - position;
    }

    byte byte1() throws SqlException {
        need(1);
        return body[position++];
    }

    short int16() throws SqlException {
        need(2);
        short value = (short) (((body[position] & 0xff) << 8) | (body[position + 1] & 0xff));
        position += 2;
        return value;
    }

    int int32() throws SqlException {
        need(4);
        int value = ((body[position] & 0xff) << 24) | ((body[position + 1] & 0xff) << 16)
                | ((body[position + 2] & 0xff) << 8) | (body[position + 3] & 0xff);
        position += 4;
        return value;
    }

    /** A null-terminated UTF-8 string. */
    String cstring() throws SqlException {
        int end = position;
        while (end < body.length && body[end] != 0) {
            end++;
        }
        if (end == body.length) {
            throw violation("a string in message '" + (char) type + "' lacks its terminator");
        }
        String value = new String(body, position, end - position, StandardCharsets.UTF_8);
        position = end + 1;
        return value;
    }

    byte[] bytes(int length) throws SqlException {
        if (length < 0) {
            throw violation("negative length " + length + " in message '" + (char) type + "'");
        }
        need(length);
        byte[] value = new byte[length];
        System.arraycopy(body, position, value, 0, length);
        position += length;
        return value;
    }

    private void need(int length) throws SqlException {
        if (body.length - position < length) {
            throw violation("insufficient data left in message '" + (char) type + "'");
        }
    }

    static SqlException violation(String message) {
        return new SqlException(SqlState.PROTOCOL_VIOLATION, message);
    }
}
