package io.tidemark.sql.wire;

import static org.assertj.core.api.Assertions.assertThat;

import io.tidemark.sql.BindParameter;
import io.tidemark.sql.Column;
import io.tidemark.sql.RowCursor;
import io.tidemark.sql.SqlException;
import io.tidemark.sql.SqlResult;
import io.tidemark.sql.SqlSession;
import io.tidemark.sql.SqlState;
import io.tidemark.sql.SqlType;
import io.tidemark.sql.StatementDescription;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The message loop against hand-built frontend bytes and a session that answers {@code count N} with the rows 0..N-1,
 * {@code BEGIN}/{@code COMMIT} with their tags and anything else with a syntax error. The backend's answer is shown
 * as its message types, with the CommandComplete tag and the error's SQLSTATE.
 */
class QueryProtocolTest {
    private final List<String> executed = new ArrayList<>();
    private int cursorsOpen;

    private String serve(Frontend frontend) throws Exception {
        return trace(output(frontend));
    }

    private byte[] output(Frontend frontend) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        QueryProtocol protocol = new QueryProtocol(new CountingSession(),
                new MessageReader(new ByteArrayInputStream(frontend.terminate().toByteArray()), 4096),
                new MessageWriter(out));
        protocol.serve();
        protocol.closeAll();
        return out.toByteArray();
    }

    /** The first value of every DataRow, as its bytes. */
    private static List<byte[]> firstValues(byte[] output) {
        ByteBuffer buffer = ByteBuffer.wrap(output);
        List<byte[]> values = new ArrayList<>();
        while (buffer.hasRemaining()) {
            char type = (char) buffer.get();
            int end = buffer.position() + buffer.getInt();
            if (type == 'D' && buffer.getShort() > 0) {
                byte[] value = new byte[buffer.getInt()];
                buffer.get(value);
                values.add(value);
            }
            buffer.position(end);
        }
        return values;
    }

    /** The backend messages as text: type letters, with C's tag, E's SQLSTATE and Z's status in brackets. */
    private static String trace(byte[] output) {
        ByteBuffer buffer = ByteBuffer.wrap(output);
        StringBuilder trace = new StringBuilder();
        while (buffer.hasRemaining()) {
            char type = (char) buffer.get();
            byte[] body = new byte[buffer.getInt() - 4];
            buffer.get(body);
            trace.append(trace.length() == 0 ? "" : " ").append(type);
            String text = new String(body, StandardCharsets.UTF_8);
            if (type == 'C') {
                trace.append('[').append(text, 0, text.length() - 1).append(']');
            } else if (type == 'E') {
                int code = text.indexOf("\0C");
                trace.append('[').append(text, code + 2, code + 7).append(']');
            } else if (type == 'Z') {
                trace.append('[').append(text).append(']');
            }
        }
        return trace.toString();
    }

    @Test
    void execute_withRowLimit_suspendsThePortalAndResumes() throws Exception {
        String trace = serve(new Frontend().query("BEGIN")
                .parse("s", "count 3").bind("c", "s", 1).describe('P', "c").execute("c", 2).sync()
                .execute("c", 2).sync()
                .execute("c", 2).sync());
        assertThat(trace).isEqualTo("C[BEGIN] Z[T] 1 2 T D D s Z[T] D C[SELECT 3] Z[T] C[SELECT 0] Z[T]");
    }

    @Test
    void sync_outsideATransaction_closesThePortals() throws Exception {
        String trace = serve(new Frontend()
                .parse("", "count 5").bind("c", "", 0).execute("c", 1).sync()
                .execute("c", 1).sync());
        assertThat(trace).isEqualTo("1 2 D s Z[I] E[34000] Z[I]");
        assertThat(cursorsOpen).isZero();
    }

    @Test
    void error_discardsMessagesUntilSync_thenServesAgain() throws Exception {
        String trace = serve(new Frontend()
                .parse("", "bogus").bind("", "", 0).execute("", 0).sync()
                .parse("", "count 1").bind("", "", 0).execute("", 0).sync());
        assertThat(trace).isEqualTo("E[42601] Z[I] 1 2 D C[SELECT 1] Z[I]");
        assertThat(executed).containsExactly("count 1");
    }

    @Test
    void errorInATransaction_failsTheBlockUntilRollback() throws Exception {
        String trace = serve(new Frontend().query("BEGIN").query("bogus").query("count 1").query("ROLLBACK")
                .query("count 1"));
        assertThat(trace).isEqualTo(
                "C[BEGIN] Z[T] E[42601] Z[E] E[25P02] Z[E] C[ROLLBACK] Z[I] T D C[SELECT 1] Z[I]");
    }

    @Test
    void describeStatement_givesParameterAndRowDescriptions_orNoData() throws Exception {
        String trace = serve(new Frontend().parse("a", "count 1", 20).describe('S', "a")
                .parse("b", "BEGIN").describe('S', "b").close('S', "a").close('S', "a")
                .describe('S', "a").sync());
        assertThat(trace).isEqualTo("1 t T 1 t n 3 3 E[26000] Z[I]");
    }

    @Test
    void parse_duplicateNamedStatement_fails42P05() throws Exception {
        assertThat(serve(new Frontend().parse("a", "count 1").parse("a", "count 2").sync()))
                .isEqualTo("1 E[42P05] Z[I]");
    }

    @Test
    void simpleQuery_emptyAndMultiple_answerEachPart() throws Exception {
        assertThat(serve(new Frontend().query(" ").query("count 1;count 2")))
                .isEqualTo("I Z[I] T D C[SELECT 1] T D D C[SELECT 2] Z[I]");
    }

    @Test
    void bind_wrongParameterCount_fails08P01() throws Exception {
        assertThat(serve(new Frontend().parse("", "count 1", 20).bind("", "", 0).sync()))
                .isEqualTo("1 E[08P01] Z[I]");
    }

    @Test
    void backendFailure_isAnInternalError_andTheLoopGoesOn() throws Exception {
        assertThat(serve(new Frontend().query("boom").parse("", "boom").bind("", "", 0).execute("", 0).sync()
                .query("count 1")))
                .isEqualTo("E[XX000] Z[I] 1 2 E[XX000] Z[I] T D C[SELECT 1] Z[I]");
    }

    /**
     * Regression (the wire oracle's binary mode): rows were encoded in the types the statement answered, not in those
     * its Describe had announced, so a column described as int8 that answered float8 (DuckDB types a parameter by its
     * value when it runs: {@code COALESCE($1, bigint_column)}) reached the client as a double's bits read as an int8.
     * Now a value is converted to the announced type where nothing is lost, else 42804.
     */
    @Test
    void execute_valueOfAnotherTypeThanDescribed_convertedOr42804() throws Exception {
        Frontend frontend = new Frontend()
                .parse("", "halves 2").bind("", "", 1).execute("", 0).sync()
                .parse("", "halves 1").bind("", "", 1).execute("", 0).sync()
                .parse("", "texts 2").bind("", "", 0).execute("", 0).sync();

        byte[] out = output(frontend);

        assertThat(trace(out)).isEqualTo("1 2 D E[42804] Z[I] 1 2 D C[SELECT 1] Z[I] 1 2 D D C[SELECT 2] Z[I]");
        List<byte[]> values = firstValues(out);
        assertThat(ByteBuffer.wrap(values.get(0)).getLong()).as("0.0 sent as the int8 0").isZero();
        assertThat(ByteBuffer.wrap(values.get(1)).getLong()).isZero();
        assertThat(new String(values.get(3), StandardCharsets.UTF_8)).as("an int8 as text").isEqualTo("1");
        assertThat(new String(output(new Frontend().parse("", "halves 2").bind("", "", 1).execute("", 0).sync()),
                StandardCharsets.UTF_8)).contains("was described as int8", "float8 0.5");
    }

    private final class CountingSession implements SqlSession {
        @Override
        public List<String> split(String query) {
            return List.of(query.split(";"));
        }

        @Override
        public StatementDescription describe(String sql, List<Integer> parameterTypeOids) throws SqlException {
            if (sql.startsWith("count") || sql.startsWith("halves")) {
                return new StatementDescription(List.of(), List.of(new Column("n", SqlType.INT8)));
            }
            if (sql.startsWith("texts")) {
                return new StatementDescription(List.of(), List.of(new Column("n", SqlType.TEXT)));
            }
            if (sql.equals("BEGIN") || sql.equals("ROLLBACK") || sql.equals("boom")) {
                return StatementDescription.none();
            }
            throw new SqlException(SqlState.SYNTAX_ERROR, "syntax error at or near \"" + sql + "\"");
        }

        @Override
        public SqlResult execute(String sql, List<BindParameter> parameters) throws SqlException {
            describe(sql, List.of());
            executed.add(sql);
            if (sql.equals("boom")) {
                throw new IllegalStateException("a bug in the backend");
            }
            if (!sql.matches("(count|halves|texts) \\d+")) {
                return SqlResult.command(sql);
            }
            // count and texts answer 0, 1, … as int8 (texts is described as text); halves 0.0, 0.5, … as float8
            boolean halves = sql.startsWith("halves");
            int rows = Integer.parseInt(sql.substring(sql.indexOf(' ') + 1));
            cursorsOpen++;
            return SqlResult.rows(new RowCursor() {
                private long row = -1;

                @Override
                public List<Column> columns() {
                    return List.of(new Column("n", halves ? SqlType.FLOAT8 : SqlType.INT8));
                }

                @Override
                public boolean next() {
                    return ++row < rows;
                }

                @Override
                public Object value(int column) {
                    return halves ? (Object) (row / 2.0) : (Object) row;
                }

                @Override
                public void close() {
                    cursorsOpen--;
                }
            });
        }

        @Override
        public void cancel() {
        }

        @Override
        public void close() {
        }
    }
}
