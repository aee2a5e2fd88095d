package io.tidemark.sql.wire;

import io.tidemark.sql.Column;
import io.tidemark.sql.SqlException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * Writes backend messages into a buffer that goes to the socket when it passes {@link #SEND_THRESHOLD} bytes or on
 * {@link #flush()}. The socket write blocks while the client does not read, which is the back-pressure: the caller
 * pulls the next row only after the previous ones were handed to the socket.
 */
final class MessageWriter {
    static final int SEND_THRESHOLD = 32 * 1024;

    private OutputStream out;
    private byte[] buffer = new byte[SEND_THRESHOLD + 1024];
    private int length;
    private int messageStart = -1;

    private final int sendThreshold;

    MessageWriter(OutputStream out) {
        this(out, SEND_THRESHOLD);
    }

    /** A writer that hands its buffer to {@code out} when it passes {@code sendThreshold} bytes. */
    MessageWriter(OutputStream out, int sendThreshold) {
        this.out = out;
        this.sendThreshold = sendThreshold;
    }

    /** Switches to another stream, after the TLS handshake. */
    void reset(OutputStream stream) {
        this.out = stream;
    }

    /** Sends everything buffered. */
    void flush() throws IOException {
        out.write(buffer, 0, length);
        out.flush();
        length = 0;
    }

    /** One unframed byte: the answer to SSLRequest and GSSENCRequest. */
    void rawByte(char value) throws IOException {
        byte1(value);
        flush();
    }

    void authenticationCleartextPassword() throws IOException {
        begin('R').int32(3).end();
    }

    void authenticationOk() throws IOException {
        begin('R').int32(0).end();
    }

    void parameterStatus(String name, String value) throws IOException {
        begin('S').cstring(name).cstring(value).end();
    }

    void backendKeyData(int processId, int secretKey) throws IOException {
        begin('K').int32(processId).int32(secretKey).end();
    }

    void negotiateProtocolVersion(int newestMinor, List<String> unrecognizedOptions) throws IOException {
        begin('v').int32(newestMinor).int32(unrecognizedOptions.size());
        for (String option : unrecognizedOptions) {
            cstring(option);
        }
        end();
    }

    void readyForQuery(char transactionStatus) throws IOException {
        begin('Z').byte1(transactionStatus).end();
    }

    /** ErrorResponse ('E'), or NoticeResponse; fields: severity, SQLSTATE, message, detail, hint, position. */
    void errorResponse(String severity, SqlException error) throws IOException {
        begin('E');
        field('S', severity).field('V', severity).field('C', error.sqlState()).field('M', error.getMessage());
        if (error.detail() != null) {
            field('D', error.detail());
        }
        if (error.hint() != null) {
            field('H', error.hint());
        }
        if (error.position() > 0) {
            field('P', Integer.toString(error.position()));
        }
        byte1((char) 0).end();
    }

    void rowDescription(List<Column> columns, boolean[] binary) throws IOException {
        begin('T').int16(columns.size());
        for (int i = 0; i < columns.size(); i++) {
            Column column = columns.get(i);
            cstring(column.name()).int32(0).int16(0).int32(column.type().oid()).int16(column.type().size())
                    .int32(-1).int16(binary[i] ? 1 : 0);
        }
        end();
    }

    void parameterDescription(int[] typeOids) throws IOException {
        begin('t').int16(typeOids.length);
        for (int oid : typeOids) {
            int32(oid);
        }
        end();
    }

    /** DataRow; {@code values[i] == null} is SQL NULL. */
    void dataRow(byte[][] values) throws IOException {
        begin('D').int16(values.length);
        for (byte[] value : values) {
            if (value == null) {
                int32(-1);
                continue;
            }
            int32(value.length).bytes(value);
        }
        end();
    }

    /**
     * Starts a DataRow of {@code columns} values, each then written with {@link #nullValue}, {@link #int64Value},
     * {@link #byteValue} or {@link #textValue}, straight into the buffer; {@link #endDataRow()} ends it.
     */
    void beginDataRow(int columns) {
        begin('D').int16(columns);
    }

    void nullValue() {
        int32(-1);
    }

    /** An 8-byte binary value (int8, float8, timestamptz). */
    void int64Value(long value) {
        int32(8);
        ensure(8);
        for (int shift = 56; shift >= 0; shift -= 8) {
            buffer[length++] = (byte) (value >>> shift);
        }
    }

    void byteValue(byte value) {
        int32(1);
        byte1((char) (value & 0xff));
    }

    /** A text value, UTF-8 encoded. */
    void textValue(CharSequence value) {
        int at = length;
        int32(0);
        utf8(value);
        int size = length - at - 4;
        buffer[at] = (byte) (size >>> 24);
        buffer[at + 1] = (byte) (size >>> 16);
        buffer[at + 2] = (byte) (size >>> 8);
        buffer[at + 3] = (byte) size;
    }

    void endDataRow() throws IOException {
        end();
    }

    /** Drops the DataRow begun and not ended (a value failed to encode): nothing of it reaches the client. */
    void abandonDataRow() {
        if (messageStart > 0) {
            length = messageStart - 1;
            messageStart = -1;
        }
    }

    /** CopyData of one line of text, UTF-8 encoded. */
    void copyData(CharSequence line) throws IOException {
        begin('d');
        utf8(line);
        end();
    }

    /** Bytes buffered and not yet handed to the stream. */
    int buffered() {
        return length;
    }

    /** Appends bytes another writer encoded (whole messages), then sends if past the threshold. */
    void raw(byte[] bytes, int from, int to) throws IOException {
        ensure(to - from);
        System.arraycopy(bytes, from, buffer, length, to - from);
        length += to - from;
        if (length >= sendThreshold) {
            out.write(buffer, 0, length);
            length = 0;
        }
    }

    /** The buffer itself, for a writer whose stream is never written ({@link ReadAhead}): valid to {@link #buffered()}. */
    byte[] bufferedBytes() {
        return buffer;
    }

    /** Forgets what is buffered. */
    void clear() {
        length = 0;
        messageStart = -1;
    }

    void commandComplete(String tag) throws IOException {
        begin('C').cstring(tag).end();
    }

    void emptyQueryResponse() throws IOException {
        begin('I').end();
    }

    void parseComplete() throws IOException {
        begin('1').end();
    }

    void bindComplete() throws IOException {
        begin('2').end();
    }

    void closeComplete() throws IOException {
        begin('3').end();
    }

    void noData() throws IOException {
        begin('n').end();
    }

    void portalSuspended() throws IOException {
        begin('s').end();
    }

    /** CopyOutResponse for a textual copy (CSV) of {@code columns} columns. */
    void copyOutResponse(int columns) throws IOException {
        begin('H').byte1((char) 0).int16(columns);
        for (int i = 0; i < columns; i++) {
            int16(0);
        }
        end();
    }

    void copyData(byte[] data) throws IOException {
        begin('d').bytes(data).end();
    }

    void copyDone() throws IOException {
        begin('c').end();
    }

    private MessageWriter begin(char type) {
        byte1(type);
        messageStart = length;
        return int32(0);
    }

    private void end() throws IOException {
        int size = length - messageStart;
        buffer[messageStart] = (byte) (size >>> 24);
        buffer[messageStart + 1] = (byte) (size >>> 16);
        buffer[messageStart + 2] = (byte) (size >>> 8);
        buffer[messageStart + 3] = (byte) size;
        messageStart = -1;
        if (length >= sendThreshold) {
            out.write(buffer, 0, length);
            length = 0;
        }
    }

    private MessageWriter field(char code, String value) {
        return byte1(code).cstring(value);
    }

    private MessageWriter byte1(char value) {
        ensure(1);
        buffer[length++] = (byte) value;
        return this;
    }

    private MessageWriter int16(int value) {
        ensure(2);
        buffer[length++] = (byte) (value >>> 8);
        buffer[length++] = (byte) value;
        return this;
    }

    private MessageWriter int32(int value) {
        ensure(4);
        buffer[length++] = (byte) (value >>> 24);
        buffer[length++] = (byte) (value >>> 16);
        buffer[length++] = (byte) (value >>> 8);
        buffer[length++] = (byte) value;
        return this;
    }

    private MessageWriter cstring(String value) {
        bytes(value.getBytes(StandardCharsets.UTF_8));
        return byte1((char) 0);
    }

    private MessageWriter bytes(byte[] value) {
        ensure(value.length);
        System.arraycopy(value, 0, buffer, length, value.length);
        length += value.length;
        return this;
    }

    /** ASCII as is, anything else through String's encoder (a lone surrogate becomes '?', as there). */
    private void utf8(CharSequence value) {
        int n = value.length();
        ensure(n);
        for (int i = 0; i < n; i++) {
            char c = value.charAt(i);
            if (c >= 0x80) {
                bytes(value.toString().getBytes(StandardCharsets.UTF_8));
                return;
            }
            buffer[length + i] = (byte) c;
        }
        length += n;
    }

    private void ensure(int more) {
        if (length + more > buffer.length) {
            buffer = Arrays.copyOf(buffer, Math.max(buffer.length * 2, length + more));
        }
    }
}
