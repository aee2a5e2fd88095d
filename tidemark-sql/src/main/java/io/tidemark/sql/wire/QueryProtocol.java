package io.tidemark.sql.wire;

import io.tidemark.sql.BindParameter;
import io.tidemark.sql.Column;
import io.tidemark.sql.RowCursor;
import io.tidemark.sql.SqlException;
import io.tidemark.sql.SqlResult;
import io.tidemark.sql.SqlSession;
import io.tidemark.sql.SqlState;
import io.tidemark.sql.SqlType;
import io.tidemark.sql.StatementDescription;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The message loop after startup: simple Query, the extended protocol (Parse, Bind, Describe, Execute, Sync, Close,
 * Flush) with named and unnamed statements and portals, and the transaction status ReadyForQuery reports.
 *
 * <p>Transaction status follows the session's command tags: {@code BEGIN}/{@code START TRANSACTION} opens a block
 * ('T'), {@code COMMIT}/{@code ROLLBACK} closes it ('I'), an error inside a block fails it ('E'), and then only
 * {@code COMMIT}/{@code ROLLBACK}/{@code END}/{@code ABORT} run (others get 25P02), as in PostgreSQL. Outside a block
 * every Sync (and every simple Query) ends the implicit transaction and closes the portals; inside a block portals
 * live until the block ends, so pgjdbc's fetch-size cursors (autocommit off) survive between Syncs.
 */
final class QueryProtocol {
    private static final Logger LOG = LoggerFactory.getLogger(QueryProtocol.class);

    private final SqlSession session;
    private final MessageReader reader;
    private final MessageWriter writer;
    private final Map<String, PreparedStatement> statements = new HashMap<>();
    private final Map<String, Portal> portals = new HashMap<>();
    private char transactionStatus = 'I';
    private boolean skipUntilSync;
    /** The portal the last Execute suspended at its row limit, a candidate for {@link #readAhead()}; or null. */
    private Portal suspended;
    private int suspendedLimit;
    /** Reused for each value's and COPY line's text. */
    private final StringBuilder text = new StringBuilder(256);
    private volatile boolean running;
    private volatile boolean cancelRequested;

    QueryProtocol(SqlSession session, MessageReader reader, MessageWriter writer) {
        this.session = session;
        this.reader = reader;
        this.writer = writer;
    }

    /** Serves messages until Terminate; returns normally on Terminate, throws when the connection fails. */
    void serve() throws IOException, SqlException {
        while (true) {
            readAhead();
            Message message = reader.read();
            if (message.type == 'X') {
                return;
            }
            if (skipUntilSync && message.type != 'S') {
                continue;
            }
            try {
                dispatch(message);
            } catch (SqlException e) {
                failed(message, e);
            } catch (RuntimeException e) {
                LOG.warn("the SQL backend failed answering a client", e);
                failed(message, new SqlException(SqlState.INTERNAL_ERROR,
                        "internal error in the SQL backend; the server log has the details", e));
            }
        }
    }

    /** After an extended-protocol error every message up to Sync is discarded; a simple Query already ended. */
    private void failed(Message message, SqlException e) throws IOException {
        error(e);
        if (message.type == 'Q') {
            writer.readyForQuery(transactionStatus);
            writer.flush();
            return;
        }
        skipUntilSync = true;
    }

    /** From another thread (a CancelRequest): stops the running statement, if any. */
    void cancel() {
        if (!running) {
            return;
        }
        cancelRequested = true;
        session.cancel();
    }

    /** Closes every portal's cursor; at the connection's end. */
    void closeAll() {
        portals.values().forEach(Portal::close);
        portals.clear();
    }

    private void dispatch(Message message) throws IOException, SqlException {
        switch (message.type) {
            case 'Q' -> simpleQuery(message.cstring());
            case 'P' -> parse(message);
            case 'B' -> bind(message);
            case 'D' -> describe(message.byte1(), message.cstring());
            case 'E' -> execute(message.cstring(), message.int32());
            case 'S' -> sync();
            case 'C' -> close(message.byte1(), message.cstring());
            case 'H' -> writer.flush();
            case 'd', 'c', 'f' -> {
                // CopyData/CopyDone/CopyFail only belong to COPY FROM STDIN, which the server never starts: ignored,
                // as PostgreSQL does outside a copy.
            }
            default -> throw Message.violation("invalid frontend message type '" + (char) message.type + "'");
        }
    }

    private void simpleQuery(String query) throws IOException {
        closePortal("");
        statements.remove("");
        try {
            List<String> texts = query.isBlank() ? List.of() : session.split(query);
            if (texts.isEmpty()) {
                writer.emptyQueryResponse();
            }
            for (String text : texts) {
                Portal portal = new Portal(new PreparedStatement(text, new int[0], List.of()), List.of(),
                        new boolean[0]);
                try {
                    run(portal, 0, true);
                } finally {
                    portal.close();
                }
            }
        } catch (SqlException e) {
            error(e);
        } catch (RuntimeException e) {
            LOG.warn("the SQL backend failed answering a client", e);
            error(new SqlException(SqlState.INTERNAL_ERROR,
                    "internal error in the SQL backend; the server log has the details", e));
        }
        endImplicitTransaction();
        writer.readyForQuery(transactionStatus);
        writer.flush();
    }

    private void parse(Message message) throws IOException, SqlException {
        String name = message.cstring();
        String sql = message.cstring();
        int count = message.int16();
        List<Integer> declared = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            declared.add(message.int32());
        }
        if (!name.isEmpty() && statements.containsKey(name)) {
            throw new SqlException(SqlState.DUPLICATE_PREPARED_STATEMENT,
                    "prepared statement \"" + name + "\" already exists");
        }
        StatementDescription description = sql.isBlank() ? StatementDescription.none()
                : session.describe(sql, declared);
        int[] oids = new int[Math.max(declared.size(), description.parameterTypes().size())];
        for (int i = 0; i < oids.length; i++) {
            int declaredOid = i < declared.size() ? declared.get(i) : 0;
            SqlType described = i < description.parameterTypes().size() ? description.parameterTypes().get(i) : null;
            oids[i] = declaredOid != 0 ? declaredOid : described != null ? described.oid() : SqlType.TEXT.oid();
        }
        if (name.isEmpty()) {
            closeStatement("");
        }
        statements.put(name, new PreparedStatement(sql, oids, description.columns()));
        writer.parseComplete();
    }

    private void bind(Message message) throws IOException, SqlException {
        String portalName = message.cstring();
        PreparedStatement statement = statement(message.cstring());
        short[] parameterFormats = formats(message);
        int count = message.int16();
        if (count != statement.parameterOids().length) {
            throw Message.violation("bind message supplies " + count + " parameters, but prepared statement requires "
                    + statement.parameterOids().length);
        }
        List<BindParameter> parameters = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            int length = message.int32();
            byte[] bytes = length == -1 ? null : message.bytes(length);
            boolean binary = format(parameterFormats, i, count, "parameter");
            parameters.add(new BindParameter(statement.parameterOids()[i], binary, bytes));
        }
        short[] resultFormats = formats(message);
        int columns = statement.columns().size();
        boolean[] binaryColumns = new boolean[columns];
        for (int i = 0; i < columns; i++) {
            binaryColumns[i] = format(resultFormats, i, columns, "result");
        }
        if (!portalName.isEmpty() && portals.containsKey(portalName)) {
            throw new SqlException(SqlState.DUPLICATE_CURSOR, "portal \"" + portalName + "\" already exists");
        }
        closePortal(portalName);
        portals.put(portalName, new Portal(statement, List.copyOf(parameters), binaryColumns));
        writer.bindComplete();
    }

    private static short[] formats(Message message) throws SqlException {
        int count = message.int16();
        short[] formats = new short[count];
        for (int i = 0; i < count; i++) {
            formats[i] = message.int16();
        }
        return formats;
    }

    /** Whether value {@code index} of {@code count} is binary: no codes means text, one code applies to all. */
    private static boolean format(short[] formats, int index, int count, String what) throws SqlException {
        if (formats.length == 0) {
            return false;
        }
        if (formats.length != 1 && formats.length != count) {
            throw Message.violation("bind message has " + formats.length + " " + what + " formats but " + count + " "
                    + what + "s");
        }
        short code = formats[formats.length == 1 ? 0 : index];
        if (code != 0 && code != 1) {
            throw Message.violation("unsupported format code: " + code);
        }
        return code == 1;
    }

    private void describe(byte kind, String name) throws IOException, SqlException {
        if (kind == 'S') {
            PreparedStatement statement = statement(name);
            writer.parameterDescription(statement.parameterOids());
            rowDescriptionOrNoData(statement.columns(), new boolean[statement.columns().size()]);
            return;
        }
        if (kind == 'P') {
            Portal portal = portal(name);
            rowDescriptionOrNoData(portal.statement.columns(), portal.binaryColumns);
            return;
        }
        throw Message.violation("invalid DESCRIBE message subtype " + kind);
    }

    private void rowDescriptionOrNoData(List<Column> columns, boolean[] binary) throws IOException {
        if (columns.isEmpty()) {
            writer.noData();
            return;
        }
        writer.rowDescription(columns, binary);
    }

    private void execute(String portalName, int maxRows) throws IOException, SqlException {
        Portal portal = portal(portalName);
        try {
            run(portal, maxRows, false);
        } catch (SqlException | IOException | RuntimeException e) {
            closePortal(portalName);
            throw e;
        }
    }

    private void sync() throws IOException {
        skipUntilSync = false;
        endImplicitTransaction();
        writer.readyForQuery(transactionStatus);
        writer.flush();
    }

    private void close(byte kind, String name) throws IOException, SqlException {
        if (kind == 'S') {
            closeStatement(name);
        } else if (kind == 'P') {
            closePortal(name);
        } else {
            throw Message.violation("invalid CLOSE message subtype " + kind);
        }
        writer.closeComplete();
    }

    /**
     * Runs or resumes a portal: sends up to {@code maxRows} rows (0: all), then PortalSuspended if it stopped at the
     * limit, else CommandComplete. The simple protocol ({@code describeRows}) also sends the RowDescription.
     */
    private void run(Portal portal, int maxRows, boolean describeRows) throws IOException, SqlException {
        running = true;
        try {
            runPortal(portal, maxRows, describeRows);
        } finally {
            running = false;
        }
    }

    private void runPortal(Portal portal, int maxRows, boolean describeRows) throws IOException, SqlException {
        if (portal.done) {
            writer.commandComplete("SELECT 0");
            return;
        }
        if (portal.result == null && !start(portal)) {
            return;
        }
        if (portal.result instanceof SqlResult.Command command) {
            portal.done = true;
            writer.commandComplete(command.tag());
            followTransaction(command.tag());
            return;
        }
        if (portal.result instanceof SqlResult.CopyOut copy) {
            copyOut(portal, copy);
            return;
        }
        RowCursor cursor = portal.cursor();
        if (describeRows) {
            writer.rowDescription(cursor.columns(), portal.binaryColumns.length == cursor.columns().size()
                    ? portal.binaryColumns : new boolean[cursor.columns().size()]);
        }
        sendRows(portal, cursor, maxRows);
    }

    /** Executes the portal's statement; false when there was nothing to execute (the empty query). */
    private boolean start(Portal portal) throws IOException, SqlException {
        if (portal.statement.isEmpty()) {
            portal.done = true;
            writer.emptyQueryResponse();
            return false;
        }
        if (transactionStatus == 'E' && !endsTransaction(portal.statement.sql())) {
            throw new SqlException(SqlState.IN_FAILED_SQL_TRANSACTION, "current transaction is aborted, commands "
                    + "ignored until end of transaction block");
        }
        cancelRequested = false;
        portal.result = session.execute(portal.statement.sql(), portal.parameters);
        if (portal.result instanceof SqlResult.EmptyQuery) {
            portal.done = true;
            writer.emptyQueryResponse();
            return false;
        }
        return true;
    }

    private void sendRows(Portal portal, RowCursor cursor, int maxRows) throws IOException, SqlException {
        List<Column> columns = cursor.columns();
        List<Column> announced = announced(portal.statement, columns);
        boolean[] binary = binaryColumns(portal, columns);
        long sent = 0;
        ReadAhead ahead = portal.ahead;
        if (ahead != null) {
            sent = ahead.sendTo(writer, maxRows);
            if (ahead.rowsLeft() == 0) {
                portal.ahead = null;
                if (ahead.failure != null) {
                    portal.rowsSent += sent;
                    throw ahead.failure;
                }
                if (ahead.exhausted) {
                    complete(portal, sent);
                    return;
                }
            }
        }
        while (maxRows <= 0 || sent < maxRows) {
            if (!pull(cursor)) {
                complete(portal, sent);
                return;
            }
            encodeRow(writer, cursor, columns, announced, binary);
            sent++;
        }
        portal.rowsSent += sent;
        writer.portalSuspended();
        suspended = portal;
        suspendedLimit = maxRows;
    }

    private void complete(Portal portal, long sent) throws IOException {
        portal.rowsSent += sent;
        writer.commandComplete("SELECT " + portal.rowsSent);
        portal.close();
    }

    private static boolean[] binaryColumns(Portal portal, List<Column> columns) {
        return portal.binaryColumns.length == columns.size() ? portal.binaryColumns : new boolean[columns.size()];
    }

    /** One DataRow into {@code out}; a value that fails to encode leaves nothing of the row there. */
    private void encodeRow(MessageWriter out, RowCursor cursor, List<Column> columns, List<Column> announced,
            boolean[] binary) throws IOException, SqlException {
        out.beginDataRow(columns.size());
        try {
            for (int i = 0; i < columns.size(); i++) {
                Column column = announced.get(i);
                encode(out, column.type(), PgValues.as(column, columns.get(i).type(), cursor.value(i)), binary[i]);
            }
        } catch (SqlException | RuntimeException e) {
            out.abandonDataRow();
            throw e;
        }
        out.endDataRow();
    }

    /**
     * Between messages, when everything was sent and the client has sent nothing new: encodes the next batch of the
     * portal the last Execute suspended (as many rows as that Execute asked for) while the client decodes the batch
     * it has. Bounded to one batch per portal; see {@link ReadAhead}. A cancel stops it like a running statement.
     */
    private void readAhead() throws IOException {
        Portal portal = suspended;
        if (portal == null || writer.buffered() > 0 || reader.inputPending()) {
            return;
        }
        suspended = null;
        RowCursor cursor = portal.cursor();
        if (portal.done || cursor == null || portal.ahead != null || !(portal.result instanceof SqlResult.Rows)) {
            return;
        }
        ReadAhead ahead = new ReadAhead();
        running = true;
        try {
            List<Column> columns = cursor.columns();
            List<Column> announced = announced(portal.statement, columns);
            boolean[] binary = binaryColumns(portal, columns);
            for (int i = 0; i < suspendedLimit; i++) {
                if (!pull(cursor)) {
                    ahead.exhausted = true;
                    break;
                }
                encodeRow(ahead.writer(), cursor, columns, announced, binary);
                ahead.rowEnded();
            }
        } catch (SqlException e) {
            ahead.failure = e;
        } catch (RuntimeException e) {
            LOG.warn("the SQL backend failed reading ahead for a client", e);
            ahead.failure = new SqlException(SqlState.INTERNAL_ERROR,
                    "internal error in the SQL backend; the server log has the details", e);
        } finally {
            running = false;
        }
        portal.ahead = ahead;
    }

    /**
     * The columns the client decodes the rows with: those the statement was described with at Parse (a Describe sent
     * them, or pgjdbc keeps them from an earlier one), or the cursor's own when it was not described (the simple
     * protocol sends its RowDescription from the cursor). Other columns than described is PostgreSQL's 0A000.
     */
    private static List<Column> announced(PreparedStatement statement, List<Column> columns) throws SqlException {
        List<Column> described = statement.columns();
        if (described.isEmpty()) {
            return columns;
        }
        if (described.size() != columns.size()) {
            throw new SqlException(SqlState.FEATURE_NOT_SUPPORTED, "cached plan must not change result type");
        }
        return described;
    }

    private void copyOut(Portal portal, SqlResult.CopyOut copy) throws IOException, SqlException {
        RowCursor cursor = copy.cursor();
        List<Column> columns = cursor.columns();
        writer.copyOutResponse(columns.size());
        if (copy.header()) {
            List<String> names = new ArrayList<>(columns.size());
            columns.forEach(column -> names.add(column.name()));
            writer.copyData(CsvLine.of(names));
        }
        long rows = 0;
        while (pull(cursor)) {
            text.setLength(0);
            for (int i = 0; i < columns.size(); i++) {
                if (i > 0) {
                    text.append(',');
                }
                Object value = cursor.value(i);
                if (value != null) {
                    CsvLine.append(text, columns.get(i).type(), value);
                }
            }
            writer.copyData(text.append('\n'));
            rows++;
        }
        writer.copyDone();
        writer.commandComplete("COPY " + rows);
        portal.close();
    }

    /** One cursor pull, with the cancel flag checked: a cancel also stops the streaming of a finished statement. */
    private boolean pull(RowCursor cursor) throws SqlException {
        if (cancelRequested) {
            throw new SqlException(SqlState.QUERY_CANCELED, "canceling statement due to user request");
        }
        return cursor.next();
    }

    /** One value of a DataRow, written straight into the writer's buffer (no byte[] or String per value). */
    private void encode(MessageWriter out, SqlType type, Object value, boolean binary) throws SqlException {
        if (value == null) {
            out.nullValue();
            return;
        }
        if (!binary) {
            text.setLength(0);
            out.textValue(PgValues.appendText(text, type, value));
            return;
        }
        switch (type) {
            case INT8, FLOAT8, TIMESTAMPTZ -> out.int64Value(PgValues.binary64(type, value));
            case BOOL -> out.byteValue(PgValues.binary(type, value)[0]);
            default -> {
                text.setLength(0);
                out.textValue(text.append(value));
            }
        }
    }

    private void followTransaction(String tag) {
        String upper = tag.toUpperCase(Locale.ROOT);
        if (upper.equals("BEGIN") || upper.equals("START TRANSACTION")) {
            transactionStatus = 'T';
            return;
        }
        if (upper.equals("COMMIT") || upper.equals("ROLLBACK")) {
            transactionStatus = 'I';
        }
    }

    /** Whether a statement ends a transaction block, the only kind PostgreSQL runs in a failed block. */
    private static boolean endsTransaction(String sql) {
        String trimmed = sql.stripLeading();
        int end = 0;
        while (end < trimmed.length() && Character.isLetter(trimmed.charAt(end))) {
            end++;
        }
        String keyword = trimmed.substring(0, end).toUpperCase(Locale.ROOT);
        return keyword.equals("COMMIT") || keyword.equals("ROLLBACK") || keyword.equals("END")
                || keyword.equals("ABORT");
    }

    private void endImplicitTransaction() {
        if (transactionStatus == 'I') {
            closeAll();
        }
    }

    private void error(SqlException e) throws IOException {
        if (e.sqlState().equals(SqlState.INTERNAL_ERROR)) {
            LOG.warn("internal error answering a client: {}", e.getMessage(), e.getCause());
        }
        if (transactionStatus == 'T') {
            transactionStatus = 'E';
        }
        writer.errorResponse("ERROR", e);
    }

    private PreparedStatement statement(String name) throws SqlException {
        PreparedStatement statement = statements.get(name);
        if (statement == null) {
            throw new SqlException(SqlState.INVALID_SQL_STATEMENT_NAME,
                    "prepared statement \"" + name + "\" does not exist");
        }
        return statement;
    }

    private Portal portal(String name) throws SqlException {
        Portal portal = portals.get(name);
        if (portal == null) {
            throw new SqlException(SqlState.INVALID_CURSOR_NAME, "portal \"" + name + "\" does not exist");
        }
        return portal;
    }

    private void closePortal(String name) {
        Portal portal = portals.remove(name);
        if (portal != null) {
            portal.close();
        }
    }

    private void closeStatement(String name) {
        PreparedStatement statement = statements.remove(name);
        if (statement == null) {
            return;
        }
        portals.values().removeIf(portal -> {
            if (portal.statement != statement) {
                return false;
            }
            portal.close();
            return true;
        });
    }

    /** One CSV line as PostgreSQL's {@code COPY … (FORMAT csv)} writes it. */
    static final class CsvLine {
        private CsvLine() {
        }

        /**
         * Appends one non-null field: numbers, booleans and timestamps as their text (never quoted), text quoted when
         * {@link #of} would quote it.
         */
        static void append(StringBuilder line, SqlType type, Object value) throws SqlException {
            if (type != SqlType.TEXT) {
                PgValues.appendText(line, type, value);
                return;
            }
            quoted(line, value.toString());
        }

        /** Quotes a value holding a comma, quote, CR or LF, and the empty string; NULL is an empty unquoted field. */
        static byte[] of(List<String> values) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < values.size(); i++) {
                if (i > 0) {
                    line.append(',');
                }
                if (values.get(i) != null) {
                    quoted(line, values.get(i));
                }
            }
            return line.append('\n').toString().getBytes(StandardCharsets.UTF_8);
        }

        private static void quoted(StringBuilder line, String value) {
            boolean quote = value.isEmpty() || value.indexOf(',') >= 0 || value.indexOf('"') >= 0
                    || value.indexOf('\n') >= 0 || value.indexOf('\r') >= 0 || value.equals("\\.");
            if (!quote) {
                line.append(value);
                return;
            }
            line.append('"').append(value.replace("\"", "\"\"")).append('"');
        }
    }
}
