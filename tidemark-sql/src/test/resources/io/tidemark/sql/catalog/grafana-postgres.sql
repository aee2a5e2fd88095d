-- The statements Grafana's PostgreSQL data source sends, from Grafana's source on GitHub (grafana/grafana, main as
-- stored at the commits below; Grafana 12.x):
--   public/app/plugins/datasource/grafana-postgresql-datasource/postgresMetaQuery.ts (12f912ab8d01): getVersion,
--     getTimescaleDBVersion (the data source's auto-detection), showSchemas, showTables (table picker, with and
--     without a schema), getSchema (column picker) with buildSchemaConstraint, verbatim with the table name filled in;
--   pkg/tsdb/grafana-postgresql-datasource/schema.go (043dd88a4794): querySchemas, queryTables, queryColumns,
--     ColumnValues;
--   pkg/tsdb/grafana-postgresql-datasource/macros.go (02ab314b81e2): data queries after macro expansion with
--     TimescaleDB off, for the range 2026-12-01T00:00:00Z … 2026-12-01T06:00:00Z: $__timeGroupAlias(col,'1m') →
--     floor(extract(epoch from col)/60)*60 AS "time", $__timeGroup(col,'5m') → floor(extract(epoch from col)/300)*300,
--     $__timeFilter(col) → col BETWEEN '…Z' AND '…Z', $__unixEpochFilter(col) → col >= 1796083200 AND col <= 1796104800,
--     $__timeFrom()/$__timeTo() → '…Z';
--   public/app/plugins/datasource/grafana-postgresql-datasource/sqlUtil.ts (1137a659434e): toRawSql, the visual query
--     builder's SELECT … FROM … WHERE … GROUP BY … ORDER BY … LIMIT ….
-- '-- params:' lines give the text values ToolFixturesIT binds, '-- expect:' lines what the answer (rows as a|b|c)
-- contains. Blocks are separated by lines of four dashes.
-- expect: 1400
SELECT current_setting('server_version_num')::int/100 as version
----
SELECT extversion FROM pg_extension WHERE extname = 'timescaledb'
----
-- expect: acme
-- expect: latest
-- expect: recent
SELECT schema_name AS "name"
    FROM information_schema.schemata
    WHERE schema_name NOT IN ('information_schema',
                              'pg_catalog',
                              'pg_toast',
                              '_timescaledb_cache',
                              '_timescaledb_catalog',
                              '_timescaledb_internal',
                              '_timescaledb_config',
                              'timescaledb_information',
                              'timescaledb_experimental')
    ORDER BY schema_name
----
-- expect: raw
-- expect: m1
-- expect: latest.raw
-- expect: recent.raw
SELECT
    CASE WHEN 
          quote_ident(table_schema) IN (
          SELECT
            CASE WHEN trim(s[i]) = '"$user"' THEN user ELSE trim(s[i]) END
          FROM
            generate_series(
              array_lower(string_to_array(current_setting('search_path'),','),1),
              array_upper(string_to_array(current_setting('search_path'),','),1)
            ) as i,
            string_to_array(current_setting('search_path'),',') s
          )
      THEN quote_ident(table_name)
      ELSE quote_ident(table_schema) || '.' || quote_ident(table_name)
    END AS "table"
    FROM information_schema.tables
    WHERE quote_ident(table_schema) NOT IN ('information_schema',
                             'pg_catalog',
                             '_timescaledb_cache',
                             '_timescaledb_catalog',
                             '_timescaledb_internal',
                             '_timescaledb_config',
                             'timescaledb_information',
                             'timescaledb_experimental')
    ORDER BY CASE WHEN 
          quote_ident(table_schema) IN (
          SELECT
            CASE WHEN trim(s[i]) = '"$user"' THEN user ELSE trim(s[i]) END
          FROM
            generate_series(
              array_lower(string_to_array(current_setting('search_path'),','),1),
              array_upper(string_to_array(current_setting('search_path'),','),1)
            ) as i,
            string_to_array(current_setting('search_path'),',') s
          ) THEN 0 ELSE 1 END, 1
----
-- expect: m1
-- expect: raw
SELECT quote_ident(table_name) AS "table"
      FROM information_schema.tables
      WHERE quote_ident(table_schema) = 'acme'
      ORDER BY 1
----
-- expect: "timestamp"|timestamp with time zone
-- expect: "rtId"|text
-- expect: value|double precision
-- expect: ok|boolean
-- expect: n|bigint
SELECT quote_ident(column_name) AS "column", data_type AS "type"
    FROM information_schema.columns
    WHERE
      CASE WHEN array_length(parse_ident('raw'),1) = 2
        THEN quote_ident(table_schema) = (parse_ident('raw'))[1]
          AND quote_ident(table_name) = (parse_ident('raw'))[2]
        ELSE quote_ident(table_name) = 'raw'
          AND 
          quote_ident(table_schema) IN (
          SELECT
            CASE WHEN trim(s[i]) = '"$user"' THEN user ELSE trim(s[i]) END
          FROM
            generate_series(
              array_lower(string_to_array(current_setting('search_path'),','),1),
              array_upper(string_to_array(current_setting('search_path'),','),1)
            ) as i,
            string_to_array(current_setting('search_path'),',') s
          )
      END
----
-- expect: value|double precision
SELECT quote_ident(column_name) AS "column", data_type AS "type"
    FROM information_schema.columns
    WHERE
      CASE WHEN array_length(parse_ident('latest.raw'),1) = 2
        THEN quote_ident(table_schema) = (parse_ident('latest.raw'))[1]
          AND quote_ident(table_name) = (parse_ident('latest.raw'))[2]
        ELSE quote_ident(table_name) = 'latest.raw'
          AND 
          quote_ident(table_schema) IN (
          SELECT
            CASE WHEN trim(s[i]) = '"$user"' THEN user ELSE trim(s[i]) END
          FROM
            generate_series(
              array_lower(string_to_array(current_setting('search_path'),','),1),
              array_upper(string_to_array(current_setting('search_path'),','),1)
            ) as i,
            string_to_array(current_setting('search_path'),',') s
          )
      END
----
-- expect: acme
SELECT schema_name FROM information_schema.schemata
		 WHERE schema_name NOT LIKE 'pg_%' AND schema_name != 'information_schema'
		 ORDER BY schema_name
----
-- params: acme
-- expect: m1
-- expect: raw
SELECT table_name FROM information_schema.tables
		 WHERE table_schema = $1 AND table_type IN ('BASE TABLE', 'VIEW')
		 ORDER BY table_name
----
-- params: acme, raw
-- expect: timestamp|timestamp with time zone|timestamptz
-- expect: value|double precision|float8|53
-- expect: n|bigint|int8|64|0
SELECT column_name, data_type, udt_name, numeric_precision, numeric_scale
		 FROM information_schema.columns
		 WHERE table_schema = $1 AND table_name = $2
		 ORDER BY ordinal_position
----
-- expect: rtId|rt0
-- expect: rtId|rt2
SELECT 'rtId' AS col_name, "rtId"::text AS val FROM (SELECT DISTINCT "rtId" FROM "acme"."raw" WHERE "rtId" IS NOT NULL ORDER BY "rtId" LIMIT 100) sub_0
----
-- expect: 1796083200|0
-- expect: 1796104740|538.5
SELECT floor(extract(epoch from "timestamp")/60)*60 AS "time", avg(value) AS "value"
FROM raw
WHERE "timestamp" BETWEEN '2026-12-01T00:00:00Z' AND '2026-12-01T06:00:00Z'
GROUP BY 1
ORDER BY 1
----
-- expect: 1796083200|rt0|4.5
SELECT floor(extract(epoch from "timestamp")/300)*300 AS "time", "rtId" AS metric, max(value) AS "value"
FROM raw
WHERE "timestamp" BETWEEN '2026-12-01T00:00:00Z' AND '2026-12-01T06:00:00Z'
GROUP BY floor(extract(epoch from "timestamp")/300)*300, "rtId"
ORDER BY 1, 2
----
-- expect: 2026-12-01 00:00:00+00|0
SELECT "timestamp" AS "time", value
FROM raw
WHERE extract(epoch from "timestamp") >= 1796083200 AND extract(epoch from "timestamp") <= 1796104800
ORDER BY 1
LIMIT 10
----
SELECT "timestamp" AS "time", avg_value, max_value
FROM m1
WHERE "timestamp" >= '2026-12-01T00:00:00Z' AND "timestamp" < '2026-12-01T06:00:00Z'
ORDER BY 1
----
SELECT "timestamp" AS "time", "rtId", value FROM latest.raw WHERE "timestamp" BETWEEN '2026-12-01T00:00:00Z' AND '2026-12-01T06:00:00Z' ORDER BY 2
----
-- expect: 120|267.75|rt0
SELECT count(value), avg(value), "rtId" FROM raw WHERE ("rtId" = 'rt0' AND value >= 0) GROUP BY "rtId" ORDER BY "rtId" LIMIT 50 
