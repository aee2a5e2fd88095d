package io.tidemark.store;

import io.tidemark.store.PostgresStatementLog.Logged;
import io.tidemark.store.PostgresStatementLog.Transaction;
import io.tidemark.store.SharedTables.Entry;
import io.tidemark.store.SharedTables.Use;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import net.sf.jsqlparser.JSQLParserException;
import net.sf.jsqlparser.parser.CCJSqlParserUtil;
import net.sf.jsqlparser.statement.Statement;
import net.sf.jsqlparser.statement.UnsupportedStatement;
import net.sf.jsqlparser.statement.delete.Delete;
import net.sf.jsqlparser.statement.insert.Insert;
import net.sf.jsqlparser.statement.select.Select;
import net.sf.jsqlparser.statement.update.Update;
import net.sf.jsqlparser.util.TablesNamesFinder;

/**
 * What the statements of one logged transaction touch, and whether that keeps the one-tenant contract
 * ({@link PostgresOneTenantTransactionsIT}, {@link SharedTables}).
 *
 * <h2>Resolving a statement</h2>
 * Two resolvers, whose results are joined. JSqlParser parses the DML and most DDL and names every table a statement
 * reads or writes, qualified or not ({@code pg_class}); the dialect's naming rule finds the rest: every table and
 * sequence it renders is schema-qualified and quoted ({@code "schema"."name"}, {@link io.tidemark.store.jdbc.SqlDialect#table},
 * {@code meta}), also inside a string literal ({@code nextval('"tidemark"."seq"')}, {@code to_regclass('…')}), a
 * schema follows the keyword {@code SCHEMA}, a tenant's reader role is {@code "tidemark_sql_<tenant>"} and the
 * transaction's staging table {@code "tidemark_staging"}. A statement JSqlParser cannot parse must have one of the
 * forms the dialects render ({@link #UTILITY}); anything else, and any unqualified table but the catalog's and the
 * staging table, fails the check: the contract cannot vouch for what it cannot resolve.
 *
 * <h2>The contract, per transaction</h2>
 * <ul>
 *   <li>the tables, schema and role of at most one tenant;</li>
 *   <li>of the shared schema only objects {@link SharedTables#ALLOWED} lists, with a use it allows there;</li>
 *   <li>a tenant-keyed shared table only by its key column bound to a value, and every such value the transaction's
 *       one tenant (a statement's check is per statement: a join binding one table's key to the other's counts); a
 *       table that stays shared may be read whole by a transaction that touches no tenant's schema (listing the
 *       tenants).</li>
 * </ul>
 */
final class TransactionScope {
    private static final String META = "tidemark";
    private static final String STAGING = "tidemark_staging";
    private static final String ROLE_PREFIX = "tidemark_sql_";
    private static final Set<String> CATALOG = Set.of("pg_class");
    private static final Pattern CONTROL = Pattern.compile("^(|BEGIN|COMMIT|ROLLBACK|ROLLBACK TO SAVEPOINT \\w+"
            + "|SAVEPOINT \\w+|RELEASE SAVEPOINT \\w+|SET TRANSACTION [A-Z ,]+|SET LOCAL TIME ZONE 'UTC'"
            + "|SHOW TRANSACTION ISOLATION LEVEL|SELECT set_config\\('statement_timeout', \\$1, true\\))$");
    private static final String Q = "\"(?:[^\"]|\"\")+\"";
    /** The statements the dialects render that JSqlParser does not parse; their objects come from the names. */
    private static final List<Pattern> UTILITY = List.of(
            Pattern.compile("^COPY (" + Q + "\\.)?" + Q + " \\([^)]*\\) FROM STDIN WITH \\(FORMAT csv\\)$"),
            Pattern.compile("^CREATE INDEX ON " + Q + "\\." + Q + " USING BRIN \\(" + Q + "\\)$"),
            Pattern.compile("^CREATE TEMP TABLE \"" + STAGING + "\" \\(LIKE " + Q + "\\." + Q + "\\) ON COMMIT DROP$"),
            Pattern.compile("^CREATE SCHEMA IF NOT EXISTS " + Q + "$"),
            Pattern.compile("^CREATE SEQUENCE IF NOT EXISTS " + Q + "\\." + Q + "$"),
            Pattern.compile("^DO \\$\\$ BEGIN CREATE ROLE " + Q + " NOLOGIN; EXCEPTION WHEN duplicate_object OR "
                    + "unique_violation THEN NULL; END \\$\\$$"),
            Pattern.compile("^GRANT " + Q + " TO CURRENT_USER$"),
            Pattern.compile("^GRANT (USAGE|SELECT) ON (ALL TABLES IN )?SCHEMA " + Q + " TO " + Q + "$"),
            Pattern.compile("^ALTER DEFAULT PRIVILEGES IN SCHEMA " + Q + " GRANT SELECT ON TABLES TO " + Q + "$"),
            Pattern.compile("^SET LOCAL ROLE " + Q + "$"),
            Pattern.compile("^REVOKE ALL ON TABLE " + Q + "\\." + Q + "(, " + Q + "\\." + Q + ")* FROM " + Q + "$"),
            Pattern.compile("^REVOKE EXECUTE ON FUNCTION pg_catalog\\.set_config\\(text, text, boolean\\) FROM "
                    + "PUBLIC$"));
    private static final Pattern QUALIFIED = Pattern.compile("\"((?:[^\"]|\"\")+)\"\\.\"((?:[^\"]|\"\")+)\"");
    private static final Pattern SCHEMA = Pattern.compile("SCHEMA (?:IF NOT EXISTS )?\"((?:[^\"]|\"\")+)\"");
    private static final Pattern ROLE = Pattern.compile("\"" + ROLE_PREFIX + "([a-z0-9_]+)\"");
    private static final Pattern NEXTVAL = Pattern.compile("nextval\\('\"([^\"]+)\"\\.\"([^\"]+)\"'\\)");
    private static final Pattern LOCKING = Pattern.compile("FOR (UPDATE|SHARE)$");
    private static final Pattern INSERT_VALUES = Pattern.compile("^INSERT INTO " + Q + "\\." + Q
            + " \\(([^)]*)\\) VALUES \\((.*)\\)$");

    private TransactionScope() {}

    /** Where an object lives. */
    enum Kind {
        /** A table (or the schema, or the reader role) of one tenant: {@link Touch#tenant()} names it. */
        TENANT,
        /** An object of the shared schema {@code tidemark}, or the schema itself. */
        SHARED,
        /** The transaction's own staging table, dropped at commit; no other session sees it. */
        SESSION,
        /** The node's system catalog ({@code pg_class}). */
        CATALOG
    }

    /** One object a statement touches, and how. */
    record Touch(Kind kind, String tenant, String name, Use use) {}

    /** A statement resolved: what it touches, the tenants bound to a shared table's key, and what could not be. */
    record Resolved(Logged statement, List<Touch> touches, List<String> keyTenants, List<String> problems) {}

    /** A transaction judged: its tenant (null if none), what it touched, and every breach of the contract. */
    record Verdict(Transaction transaction, String tenant, List<Resolved> statements, List<String> violations) {
        boolean touchesTenantSchema() {
            return statements.stream().flatMap(s -> s.touches().stream()).anyMatch(t -> t.kind() == Kind.TENANT);
        }
    }

    static Verdict check(Transaction tx) {
        List<Resolved> resolved = tx.statements().stream().map(TransactionScope::resolve).toList();
        List<String> violations = new ArrayList<>();
        Set<String> tenants = new LinkedHashSet<>();
        boolean withTenant = false;
        for (Resolved r : resolved) {
            r.problems().forEach(p -> violations.add(p + ": " + r.statement().sql()));
            for (Touch t : r.touches()) {
                if (t.kind() == Kind.TENANT) {
                    tenants.add(t.tenant());
                    withTenant = true;
                }
            }
            tenants.addAll(r.keyTenants());
        }
        if (tenants.size() > 1) {
            violations.add("touches the schemas or shared rows of " + tenants.size() + " tenants " + tenants);
        }
        for (Resolved r : resolved) {
            for (Touch t : r.touches()) {
                if (t.kind() == Kind.SHARED) {
                    checkShared(t, withTenant, r, violations);
                }
            }
        }
        return new Verdict(tx, tenants.size() == 1 ? tenants.iterator().next() : null, resolved, violations);
    }

    private static void checkShared(Touch t, boolean withTenant, Resolved r, List<String> violations) {
        Entry e = SharedTables.ALLOWED.get(t.name());
        if (e == null) {
            violations.add("shared object \"tidemark\".\"" + t.name() + "\" is not on the allow-list (SharedTables): "
                    + r.statement().sql());
            return;
        }
        if (!withTenant && t.use() == Use.DDL) {
            return;
        }
        Set<Use> allowed = withTenant ? e.withTenant() : e.alone();
        if (!allowed.contains(t.use())) {
            violations.add(t.use() + " of shared \"tidemark\".\"" + t.name() + "\" in a transaction "
                    + (withTenant ? "with" : "without") + " a tenant's schema is not allowed (SharedTables allows "
                    + allowed + "): " + r.statement().sql());
        }
        // A table that stays shared may be read whole by a transaction of its own (list the tenants); rows that move
        // into tenants' schemas may never be reached but through their tenant.
        boolean keyed = e.key() != null && (withTenant || e.plan() != SharedTables.Plan.STAYS_SHARED);
        if (keyed && r.keyTenants().isEmpty()) {
            violations.add("shared \"tidemark\".\"" + t.name() + "\" is reached without binding its key column "
                    + e.key() + " to a tenant (rows of every tenant): " + r.statement().sql());
        }
    }

    static Resolved resolve(Logged s) {
        String sql = s.sql();
        List<Touch> touches = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        if (CONTROL.matcher(sql).matches()) {
            return new Resolved(s, touches, List.of(), problems);
        }
        Parsed parsed = parse(sql);
        if (parsed == null && UTILITY.stream().noneMatch(p -> p.matcher(sql).matches())) {
            problems.add("neither JSqlParser nor the dialect's utility forms resolve this statement; teach "
                    + "TransactionScope what it touches");
            return new Resolved(s, touches, List.of(), problems);
        }
        Set<String> written = new LinkedHashSet<>();
        Use use = parsed == null ? (sql.startsWith("COPY ") ? Use.WRITE : Use.DDL)
                : useOf(parsed.statement(), sql, written);
        Set<List<String>> names = new LinkedHashSet<>();
        if (parsed != null) {
            for (String table : parsed.tables()) {
                addTable(table, names, touches, problems);
            }
        }
        Matcher q = QUALIFIED.matcher(sql);
        while (q.find()) {
            names.add(List.of(unquote(q.group(1)), unquote(q.group(2))));
        }
        Set<List<String>> nextval = new LinkedHashSet<>();
        Matcher n = NEXTVAL.matcher(sql);
        while (n.find()) {
            nextval.add(List.of(n.group(1), n.group(2)));
        }
        for (List<String> name : names) {
            Use u = nextval.contains(name) || written.contains(name.get(0) + "." + name.get(1)) ? Use.WRITE : use;
            touches.add(object(name.get(0), name.get(1), u));
        }
        Matcher schema = SCHEMA.matcher(sql);
        while (schema.find()) {
            String name = unquote(schema.group(1));
            touches.add(name.equals(META) ? new Touch(Kind.SHARED, null, META, Use.DDL)
                    : new Touch(Kind.TENANT, name, "schema " + name, Use.DDL));
        }
        Matcher role = ROLE.matcher(sql);
        while (role.find()) {
            touches.add(new Touch(Kind.TENANT, role.group(1), "role " + ROLE_PREFIX + role.group(1), Use.DDL));
        }
        if (sql.contains("\"" + STAGING + "\"")) {
            touches.add(new Touch(Kind.SESSION, null, STAGING, Use.WRITE));
        }
        return new Resolved(s, dedupe(touches), keyTenants(s, touches, problems), problems);
    }

    /** A statement JSqlParser parsed, with the tables it names. */
    private record Parsed(Statement statement, Set<String> tables) {}

    /** Null when JSqlParser cannot parse the statement or name its tables. */
    private static Parsed parse(String sql) {
        try {
            Statement st = CCJSqlParserUtil.parse(sql.replaceAll("\\$\\d+", "?"));
            return st instanceof UnsupportedStatement ? null : new Parsed(st, new TablesNamesFinder<Void>().getTables(st));
        } catch (JSQLParserException | RuntimeException e) {
            return null;
        }
    }

    /**
     * The use of the tables a parsed statement names; the target of an INSERT, UPDATE or DELETE goes to
     * {@code written} (as {@code schema.name}), the tables it reads are READ.
     */
    private static Use useOf(Statement st, String sql, Set<String> written) {
        if (st instanceof Insert i) {
            written.add(plain(i.getTable().getFullyQualifiedName()));
            return Use.READ;
        }
        if (st instanceof Update u) {
            written.add(plain(u.getTable().getFullyQualifiedName()));
            return Use.READ;
        }
        if (st instanceof Delete d) {
            written.add(plain(d.getTable().getFullyQualifiedName()));
            return Use.READ;
        }
        if (st instanceof Select) {
            return LOCKING.matcher(sql).find() ? Use.LOCK : Use.READ;
        }
        return Use.DDL;
    }

    /** A table JSqlParser found: a qualified one is taken from the text as well; an unqualified one resolved here. */
    private static void addTable(String table, Set<List<String>> names, List<Touch> touches, List<String> problems) {
        Matcher q = QUALIFIED.matcher(table);
        if (q.matches()) {
            names.add(List.of(unquote(q.group(1)), unquote(q.group(2))));
            return;
        }
        String name = table.startsWith("\"") ? unquote(table.substring(1, table.length() - 1)) : table;
        if (name.equals(STAGING)) {
            return;
        }
        if (CATALOG.contains(name)) {
            touches.add(new Touch(Kind.CATALOG, null, name, Use.READ));
            return;
        }
        problems.add("unqualified table " + table + " (the dialect qualifies every table it renders)");
    }

    private static Touch object(String schema, String name, Use use) {
        if (schema.equals(META)) {
            return new Touch(Kind.SHARED, null, name, use);
        }
        if (schema.equals("pg_catalog")) {
            return new Touch(Kind.CATALOG, null, name, use);
        }
        return new Touch(Kind.TENANT, schema, schema + "." + name, use);
    }

    /**
     * The values bound to the key column of each tenant-keyed shared table the statement touches: {@code key = $n}
     * anywhere in the statement (qualified by an alias or not), or the key's position in an {@code INSERT}'s column
     * list. A key compared with a literal, or not at all, binds nothing.
     */
    private static List<String> keyTenants(Logged s, List<Touch> touches, List<String> problems) {
        Set<String> keys = new LinkedHashSet<>();
        for (Touch t : touches) {
            Entry e = t.kind() == Kind.SHARED ? SharedTables.ALLOWED.get(t.name()) : null;
            if (e != null && e.key() != null) {
                keys.add(e.key());
            }
        }
        List<String> out = new ArrayList<>();
        for (String key : keys) {
            Matcher m = Pattern.compile("(?<![\\w\"])(?:\\w+\\.)?" + key + " = \\$(\\d+)").matcher(s.sql());
            while (m.find()) {
                out.add(s.parameters().get(Integer.parseInt(m.group(1))));
            }
            Matcher insert = INSERT_VALUES.matcher(s.sql());
            if (insert.matches()) {
                List<String> columns = List.of(insert.group(1).split(", "));
                List<String> values = topLevel(insert.group(2));
                int at = columns.indexOf(key);
                if (at >= 0 && at < values.size() && values.get(at).matches("\\$\\d+")) {
                    out.add(s.parameters().get(Integer.parseInt(values.get(at).substring(1))));
                }
            }
        }
        if (out.contains(null)) {
            problems.add("a shared table's key is bound to NULL");
        }
        out.removeIf(v -> v == null);
        return out;
    }

    /** The comma-separated items of a list, commas inside parentheses or quotes kept. */
    private static List<String> topLevel(String list) {
        List<String> out = new ArrayList<>();
        int depth = 0;
        boolean quoted = false;
        StringBuilder item = new StringBuilder();
        for (char c : list.toCharArray()) {
            if (c == '\'') {
                quoted = !quoted;
            } else if (!quoted && c == '(') {
                depth++;
            } else if (!quoted && c == ')') {
                depth--;
            } else if (!quoted && depth == 0 && c == ',') {
                out.add(item.toString().strip());
                item.setLength(0);
                continue;
            }
            item.append(c);
        }
        out.add(item.toString().strip());
        return out;
    }

    private static List<Touch> dedupe(List<Touch> touches) {
        return List.copyOf(new LinkedHashSet<>(touches));
    }

    /** {@code "a"."b"} as {@code a.b}. */
    private static String plain(String qualified) {
        Matcher q = QUALIFIED.matcher(qualified);
        return q.matches() ? unquote(q.group(1)) + "." + unquote(q.group(2)) : qualified;
    }

    private static String unquote(String s) {
        return s.replace("\"\"", "\"");
    }
}
