-- The catalog of a CatalogDatabase shadow: PostgreSQL-shaped pg_catalog and information_schema relations and
-- catalog functions, over the shadow's own (empty) tenant tables. Run once per shadow, after the tenant's schemas
-- and tables exist. Placeholders: ${tenant} (the tenant's name as a SQL string literal), ${database} (the database
-- name as a SQL string literal), ${version} (version()'s answer as a SQL string literal). Statements end with ';' at
-- the end of a line. pg = tidemark_pg_catalog, is = tidemark_information_schema.
CREATE SCHEMA tidemark_pg_catalog;
CREATE SCHEMA tidemark_information_schema;

-- The tenant's schemas: its own (tables, rollups), latest and recent (live tables).
CREATE TABLE tidemark_pg_catalog.tenant_schema (name VARCHAR);
INSERT INTO tidemark_pg_catalog.tenant_schema VALUES (${tenant}), ('latest'), ('recent');

-- Types: the PostgreSQL OIDs and names the wire layer reports (io.tidemark.sql.SqlType) and their neighbours.
CREATE TABLE tidemark_pg_catalog.pg_type (oid BIGINT, typname VARCHAR, typnamespace BIGINT, typowner BIGINT,
  typlen SMALLINT, typbyval BOOLEAN, typtype VARCHAR, typcategory VARCHAR, typispreferred BOOLEAN,
  typisdefined BOOLEAN, typdelim VARCHAR, typrelid BIGINT, typsubscript VARCHAR, typelem BIGINT, typarray BIGINT,
  typinput VARCHAR, typoutput VARCHAR, typreceive VARCHAR, typsend VARCHAR, typmodin VARCHAR, typmodout VARCHAR,
  typanalyze VARCHAR, typalign VARCHAR, typstorage VARCHAR, typnotnull BOOLEAN, typbasetype BIGINT,
  typtypmod INTEGER, typndims INTEGER, typcollation BIGINT, typdefaultbin VARCHAR, typdefault VARCHAR,
  typacl VARCHAR[]);
CREATE TABLE tidemark_pg_catalog.pg_type_name (oid BIGINT, sql_name VARCHAR);
INSERT INTO tidemark_pg_catalog.pg_type_name VALUES (16, 'boolean'), (17, 'bytea'), (18, '"char"'), (19, 'name'),
  (20, 'bigint'), (21, 'smallint'), (23, 'integer'), (25, 'text'), (26, 'oid'), (114, 'json'), (700, 'real'),
  (701, 'double precision'), (1042, 'character'), (1043, 'character varying'), (1082, 'date'),
  (1083, 'time without time zone'), (1114, 'timestamp without time zone'), (1184, 'timestamp with time zone'),
  (1186, 'interval'), (1700, 'numeric'), (2950, 'uuid'), (3802, 'jsonb');
INSERT INTO tidemark_pg_catalog.pg_type
SELECT t.oid, t.typname, 11, 10, t.typlen, t.typlen BETWEEN 1 AND 8, 'b', t.typcategory, t.typispreferred, true,
  ',', 0, NULL, 0, t.typarray, t.typname || 'in', t.typname || 'out', t.typname || 'recv', t.typname || 'send',
  NULL, NULL, NULL, CASE WHEN t.typlen = 8 THEN 'd' WHEN t.typlen IN (1, 2) THEN 'c' ELSE 'i' END,
  CASE WHEN t.typlen > 0 THEN 'p' ELSE 'x' END, false, 0, -1, 0, CASE WHEN t.typcategory = 'S' THEN 100 ELSE 0 END,
  NULL, NULL, NULL
FROM (VALUES (16, 'bool', 1, 'B', true, 1000), (17, 'bytea', -1, 'U', false, 1001), (18, 'char', 1, 'Z', false, 1002),
  (19, 'name', 64, 'S', false, 1003), (20, 'int8', 8, 'N', false, 1016), (21, 'int2', 2, 'N', false, 1005),
  (23, 'int4', 4, 'N', false, 1007), (25, 'text', -1, 'S', true, 1009), (26, 'oid', 4, 'N', false, 1028),
  (114, 'json', -1, 'U', false, 199), (700, 'float4', 4, 'N', false, 1021), (701, 'float8', 8, 'N', true, 1022),
  (1042, 'bpchar', -1, 'S', false, 1014), (1043, 'varchar', -1, 'S', false, 1015), (1082, 'date', 4, 'D', false, 1182),
  (1083, 'time', 8, 'D', false, 1183), (1114, 'timestamp', 8, 'D', false, 1115),
  (1184, 'timestamptz', 8, 'D', true, 1185), (1186, 'interval', 16, 'T', true, 1187),
  (1700, 'numeric', -1, 'N', false, 1231), (2950, 'uuid', 16, 'U', false, 2951), (3802, 'jsonb', -1, 'U', false, 3807))
  AS t(oid, typname, typlen, typcategory, typispreferred, typarray);

-- What the wire layer reports for a shadow column's DuckDB type (see CatalogDatabase.shadowType).
CREATE MACRO tidemark_pg_catalog.type_oid(duck_type) AS CASE duck_type WHEN 'TIMESTAMP WITH TIME ZONE' THEN 1184
  WHEN 'DOUBLE' THEN 701 WHEN 'BIGINT' THEN 20 WHEN 'BOOLEAN' THEN 16 ELSE 25 END;

CREATE VIEW tidemark_pg_catalog.pg_namespace AS
SELECT s.oid::BIGINT AS oid, s.schema_name AS nspname, 10::BIGINT AS nspowner, NULL::VARCHAR[] AS nspacl
FROM duckdb_schemas() s WHERE s.schema_name IN (SELECT name FROM tidemark_pg_catalog.tenant_schema)
UNION ALL SELECT 11, 'pg_catalog', 10, NULL
UNION ALL SELECT 13000, 'information_schema', 10, NULL;

CREATE VIEW tidemark_pg_catalog.pg_class AS
SELECT t.table_oid::BIGINT AS oid, t.table_name AS relname, t.schema_oid::BIGINT AS relnamespace,
  0::BIGINT AS reltype, 0::BIGINT AS reloftype, 10::BIGINT AS relowner, 2::BIGINT AS relam,
  t.table_oid::BIGINT AS relfilenode, 0::BIGINT AS reltablespace, 0 AS relpages, -1.0::FLOAT AS reltuples,
  0 AS relallvisible, 0::BIGINT AS reltoastrelid, false AS relhasindex, false AS relisshared,
  'p' AS relpersistence, 'r' AS relkind, t.column_count::SMALLINT AS relnatts, 0::SMALLINT AS relchecks,
  false AS relhasoids, false AS relhasrules, false AS relhastriggers, false AS relhassubclass,
  false AS relrowsecurity, false AS relforcerowsecurity, true AS relispopulated, 'd' AS relreplident,
  false AS relispartition, 0::BIGINT AS relrewrite, 0::BIGINT AS relfrozenxid, 0::BIGINT AS relminmxid,
  NULL::VARCHAR[] AS relacl, NULL::VARCHAR[] AS reloptions, NULL::VARCHAR AS relpartbound
FROM duckdb_tables() t WHERE t.schema_name IN (SELECT name FROM tidemark_pg_catalog.tenant_schema);

CREATE VIEW tidemark_pg_catalog.pg_attribute AS
SELECT c.table_oid::BIGINT AS attrelid, c.column_name AS attname,
  tidemark_pg_catalog.type_oid(c.data_type)::BIGINT AS atttypid, -1 AS attstattarget, ty.typlen AS attlen,
  c.column_index::SMALLINT AS attnum, 0 AS attndims, -1 AS attcacheoff, -1 AS atttypmod, ty.typbyval AS attbyval,
  ty.typstorage AS attstorage, ty.typalign AS attalign, NOT c.is_nullable AS attnotnull, false AS atthasdef,
  false AS atthasmissing, '' AS attidentity, '' AS attgenerated, false AS attisdropped, true AS attislocal,
  0 AS attinhcount, ty.typcollation AS attcollation, NULL::VARCHAR[] AS attacl, NULL::VARCHAR[] AS attoptions,
  NULL::VARCHAR[] AS attfdwoptions, NULL::VARCHAR AS attmissingval, '' AS attcompression
FROM duckdb_columns() c JOIN tidemark_pg_catalog.pg_type ty ON ty.oid = tidemark_pg_catalog.type_oid(c.data_type)
WHERE c.schema_name IN (SELECT name FROM tidemark_pg_catalog.tenant_schema);

CREATE VIEW tidemark_pg_catalog.pg_tables AS
SELECT n.nspname AS schemaname, c.relname AS tablename, ${tenant} AS tableowner, NULL::VARCHAR AS tablespace,
  false AS hasindexes, false AS hasrules, false AS hastriggers, false AS rowsecurity
FROM tidemark_pg_catalog.pg_class c JOIN tidemark_pg_catalog.pg_namespace n ON n.oid = c.relnamespace;

CREATE TABLE tidemark_pg_catalog.pg_database (oid BIGINT, datname VARCHAR, datdba BIGINT, encoding INTEGER,
  datlocprovider VARCHAR, datistemplate BOOLEAN, datallowconn BOOLEAN, datconnlimit INTEGER, datfrozenxid BIGINT,
  datminmxid BIGINT, dattablespace BIGINT, datcollate VARCHAR, datctype VARCHAR, daticulocale VARCHAR,
  datcollversion VARCHAR, datacl VARCHAR[]);
INSERT INTO tidemark_pg_catalog.pg_database VALUES (16384, ${database}, 10, 6, 'c', false, true, -1, 0, 0, 1663,
  'C', 'C', NULL, NULL, NULL);

CREATE TABLE tidemark_pg_catalog.pg_roles (oid BIGINT, rolname VARCHAR, rolsuper BOOLEAN, rolinherit BOOLEAN,
  rolcreaterole BOOLEAN, rolcreatedb BOOLEAN, rolcanlogin BOOLEAN, rolreplication BOOLEAN, rolconnlimit INTEGER,
  rolpassword VARCHAR, rolvaliduntil TIMESTAMPTZ, rolbypassrls BOOLEAN, rolconfig VARCHAR[]);
INSERT INTO tidemark_pg_catalog.pg_roles VALUES (10, ${tenant}, false, true, false, false, true, false, -1,
  '********', NULL, false, NULL);
CREATE VIEW tidemark_pg_catalog.pg_user AS SELECT rolname AS usename, oid AS usesysid, false AS usecreatedb,
  false AS usesuper, false AS userepl, false AS usebypassrls, '********' AS passwd, NULL::TIMESTAMPTZ AS valuntil,
  NULL::VARCHAR[] AS useconfig FROM tidemark_pg_catalog.pg_roles;
CREATE TABLE tidemark_pg_catalog.pg_auth_members (oid BIGINT, roleid BIGINT, member BIGINT, grantor BIGINT,
  admin_option BOOLEAN);

CREATE TABLE tidemark_pg_catalog.pg_am (oid BIGINT, amname VARCHAR, amhandler VARCHAR, amtype VARCHAR);
INSERT INTO tidemark_pg_catalog.pg_am VALUES (2, 'heap', 'heap_tableam_handler', 't'),
  (403, 'btree', 'bthandler', 'i');
CREATE TABLE tidemark_pg_catalog.pg_tablespace (oid BIGINT, spcname VARCHAR, spcowner BIGINT, spcacl VARCHAR[],
  spcoptions VARCHAR[]);
INSERT INTO tidemark_pg_catalog.pg_tablespace VALUES (1663, 'pg_default', 10, NULL, NULL);
CREATE TABLE tidemark_pg_catalog.pg_language (oid BIGINT, lanname VARCHAR, lanowner BIGINT, lanispl BOOLEAN,
  lanpltrusted BOOLEAN, lanplcallfoid BIGINT, laninline BIGINT, lanvalidator BIGINT, lanacl VARCHAR[]);
INSERT INTO tidemark_pg_catalog.pg_language VALUES (12, 'internal', 10, false, false, 0, 0, 0, NULL),
  (13, 'c', 10, false, false, 0, 0, 0, NULL), (14, 'sql', 10, false, true, 0, 0, 0, NULL);

CREATE TABLE tidemark_pg_catalog.pg_settings (name VARCHAR, setting VARCHAR, unit VARCHAR, category VARCHAR,
  short_desc VARCHAR, extra_desc VARCHAR, context VARCHAR, vartype VARCHAR, source VARCHAR, min_val VARCHAR,
  max_val VARCHAR, enumvals VARCHAR[], boot_val VARCHAR, reset_val VARCHAR, sourcefile VARCHAR, sourceline INTEGER,
  pending_restart BOOLEAN);
INSERT INTO tidemark_pg_catalog.pg_settings (name, setting, context, vartype, source, boot_val, reset_val)
SELECT name, setting, 'user', 'string', 'default', setting, setting FROM (VALUES ('server_version', ${server_version}),
  ('server_version_num', ${server_version_num}), ('search_path', ${search_path}), ('TimeZone', 'UTC'),
  ('DateStyle', 'ISO, MDY'), ('IntervalStyle', 'postgres'), ('client_encoding', 'UTF8'),
  ('server_encoding', 'UTF8'), ('standard_conforming_strings', 'on'), ('integer_datetimes', 'on'),
  ('max_identifier_length', '63'), ('default_transaction_read_only', 'on'), ('transaction_read_only', 'on'),
  ('transaction_isolation', 'read committed'), ('default_transaction_isolation', 'read committed'),
  ('lc_collate', 'C'), ('lc_ctype', 'C'), ('extra_float_digits', '1'), ('application_name', ''),
  ('is_superuser', 'off'), ('block_size', '8192'), ('max_connections', '100'), ('statement_timeout', '0'),
  ('data_directory_mode', '0700'), ('ssl', 'off'), ('password_encryption', 'scram-sha-256'),
  ('max_index_keys', '32'), ('max_function_args', '100'), ('max_identifier_length', '63'))
  AS s(name, setting);

-- Relations that are always empty in Tidemark: no indexes, constraints, defaults, inheritance, extensions, functions,
-- views, comments, policies, triggers, publications, sequences.
CREATE TABLE tidemark_pg_catalog.pg_description (objoid BIGINT, classoid BIGINT, objsubid INTEGER,
  description VARCHAR);
CREATE TABLE tidemark_pg_catalog.pg_shdescription (objoid BIGINT, classoid BIGINT, description VARCHAR);
CREATE TABLE tidemark_pg_catalog.pg_views (schemaname VARCHAR, viewname VARCHAR, viewowner VARCHAR,
  definition VARCHAR);
CREATE TABLE tidemark_pg_catalog.pg_matviews (schemaname VARCHAR, matviewname VARCHAR, matviewowner VARCHAR,
  tablespace VARCHAR, hasindexes BOOLEAN, ispopulated BOOLEAN, definition VARCHAR);
CREATE TABLE tidemark_pg_catalog.pg_index (indexrelid BIGINT, indrelid BIGINT, indnatts SMALLINT,
  indnkeyatts SMALLINT, indisunique BOOLEAN, indnullsnotdistinct BOOLEAN, indisprimary BOOLEAN,
  indisexclusion BOOLEAN, indimmediate BOOLEAN, indisclustered BOOLEAN, indisvalid BOOLEAN, indcheckxmin BOOLEAN,
  indisready BOOLEAN, indislive BOOLEAN, indisreplident BOOLEAN, indkey INTEGER[], indcollation BIGINT[],
  indclass BIGINT[], indoption INTEGER[], indexprs VARCHAR, indpred VARCHAR);
CREATE TABLE tidemark_pg_catalog.pg_indexes (schemaname VARCHAR, tablename VARCHAR, indexname VARCHAR,
  tablespace VARCHAR, indexdef VARCHAR);
CREATE TABLE tidemark_pg_catalog.pg_constraint (oid BIGINT, conname VARCHAR, connamespace BIGINT, contype VARCHAR,
  condeferrable BOOLEAN, condeferred BOOLEAN, convalidated BOOLEAN, conrelid BIGINT, contypid BIGINT,
  conindid BIGINT, conparentid BIGINT, confrelid BIGINT, confupdtype VARCHAR, confdeltype VARCHAR,
  confmatchtype VARCHAR, conislocal BOOLEAN, coninhcount INTEGER, connoinherit BOOLEAN, conkey INTEGER[],
  confkey INTEGER[], conpfeqop BIGINT[], conppeqop BIGINT[], conffeqop BIGINT[], confdelsetcols INTEGER[],
  conexclop BIGINT[], conbin VARCHAR);
CREATE TABLE tidemark_pg_catalog.pg_attrdef (oid BIGINT, adrelid BIGINT, adnum SMALLINT, adbin VARCHAR);
CREATE TABLE tidemark_pg_catalog.pg_inherits (inhrelid BIGINT, inhparent BIGINT, inhseqno INTEGER,
  inhdetachpending BOOLEAN);
CREATE TABLE tidemark_pg_catalog.pg_extension (oid BIGINT, extname VARCHAR, extowner BIGINT, extnamespace BIGINT,
  extrelocatable BOOLEAN, extversion VARCHAR, extconfig BIGINT[], extcondition VARCHAR[]);
CREATE TABLE tidemark_pg_catalog.pg_proc (oid BIGINT, proname VARCHAR, pronamespace BIGINT, proowner BIGINT,
  prolang BIGINT, procost FLOAT, prorows FLOAT, provariadic BIGINT, prosupport VARCHAR, prokind VARCHAR,
  prosecdef BOOLEAN, proleakproof BOOLEAN, proisstrict BOOLEAN, proretset BOOLEAN, provolatile VARCHAR,
  proparallel VARCHAR, pronargs SMALLINT, pronargdefaults SMALLINT, prorettype BIGINT, proargtypes BIGINT[],
  proallargtypes BIGINT[], proargmodes VARCHAR[], proargnames VARCHAR[], proargdefaults VARCHAR,
  protrftypes BIGINT[], prosrc VARCHAR, probin VARCHAR, prosqlbody VARCHAR, proconfig VARCHAR[], proacl VARCHAR[]);
CREATE TABLE tidemark_pg_catalog.pg_collation (oid BIGINT, collname VARCHAR, collnamespace BIGINT,
  collowner BIGINT, collprovider VARCHAR, collisdeterministic BOOLEAN, collencoding INTEGER, collcollate VARCHAR,
  collctype VARCHAR, colliculocale VARCHAR, collversion VARCHAR);
CREATE TABLE tidemark_pg_catalog.pg_foreign_table (ftrelid BIGINT, ftserver BIGINT, ftoptions VARCHAR[]);
CREATE TABLE tidemark_pg_catalog.pg_partitioned_table (partrelid BIGINT, partstrat VARCHAR, partnatts SMALLINT,
  partdefid BIGINT, partattrs INTEGER[], partclass BIGINT[], partcollation BIGINT[], partexprs VARCHAR);
CREATE TABLE tidemark_pg_catalog.pg_policy (oid BIGINT, polname VARCHAR, polrelid BIGINT, polcmd VARCHAR,
  polpermissive BOOLEAN, polroles BIGINT[], polqual VARCHAR, polwithcheck VARCHAR);
CREATE TABLE tidemark_pg_catalog.pg_statistic_ext (oid BIGINT, stxrelid BIGINT, stxname VARCHAR,
  stxnamespace BIGINT, stxowner BIGINT, stxstattarget INTEGER, stxkeys INTEGER[], stxkind VARCHAR[],
  stxexprs VARCHAR);
CREATE TABLE tidemark_pg_catalog.pg_publication (oid BIGINT, pubname VARCHAR, pubowner BIGINT,
  puballtables BOOLEAN, pubinsert BOOLEAN, pubupdate BOOLEAN, pubdelete BOOLEAN, pubtruncate BOOLEAN,
  pubviaroot BOOLEAN);
CREATE TABLE tidemark_pg_catalog.pg_publication_rel (oid BIGINT, prpubid BIGINT, prrelid BIGINT, prqual VARCHAR,
  prattrs INTEGER[]);
CREATE TABLE tidemark_pg_catalog.pg_publication_namespace (oid BIGINT, pnpubid BIGINT, pnnspid BIGINT);
CREATE TABLE tidemark_pg_catalog.pg_trigger (oid BIGINT, tgrelid BIGINT, tgparentid BIGINT, tgname VARCHAR,
  tgfoid BIGINT, tgtype SMALLINT, tgenabled VARCHAR, tgisinternal BOOLEAN, tgconstrrelid BIGINT,
  tgconstrindid BIGINT, tgconstraint BIGINT, tgdeferrable BOOLEAN, tginitdeferred BOOLEAN, tgnargs SMALLINT,
  tgattr INTEGER[], tgargs VARCHAR, tgqual VARCHAR, tgoldtable VARCHAR, tgnewtable VARCHAR);
CREATE TABLE tidemark_pg_catalog.pg_rewrite (oid BIGINT, rulename VARCHAR, ev_class BIGINT, ev_type VARCHAR,
  ev_enabled VARCHAR, is_instead BOOLEAN, ev_qual VARCHAR, ev_action VARCHAR);
CREATE TABLE tidemark_pg_catalog.pg_depend (classid BIGINT, objid BIGINT, objsubid INTEGER, refclassid BIGINT,
  refobjid BIGINT, refobjsubid INTEGER, deptype VARCHAR);
CREATE TABLE tidemark_pg_catalog.pg_enum (oid BIGINT, enumtypid BIGINT, enumsortorder FLOAT, enumlabel VARCHAR);
CREATE TABLE tidemark_pg_catalog.pg_sequence (seqrelid BIGINT, seqtypid BIGINT, seqstart BIGINT,
  seqincrement BIGINT, seqmax BIGINT, seqmin BIGINT, seqcache BIGINT, seqcycle BOOLEAN);
CREATE TABLE tidemark_pg_catalog.pg_sequences (schemaname VARCHAR, sequencename VARCHAR, sequenceowner VARCHAR,
  data_type VARCHAR, start_value BIGINT, min_value BIGINT, max_value BIGINT, increment_by BIGINT, cycle BOOLEAN,
  cache_size BIGINT, last_value BIGINT);
CREATE TABLE tidemark_pg_catalog.pg_event_trigger (oid BIGINT, evtname VARCHAR, evtevent VARCHAR, evtowner BIGINT,
  evtfoid BIGINT, evtenabled VARCHAR, evttags VARCHAR[]);
CREATE TABLE tidemark_pg_catalog.pg_stat_activity (datid BIGINT, datname VARCHAR, pid INTEGER, usesysid BIGINT,
  usename VARCHAR, application_name VARCHAR, client_addr VARCHAR, client_hostname VARCHAR, client_port INTEGER,
  backend_start TIMESTAMPTZ, xact_start TIMESTAMPTZ, query_start TIMESTAMPTZ, state_change TIMESTAMPTZ,
  wait_event_type VARCHAR, wait_event VARCHAR, state VARCHAR, backend_xid BIGINT, backend_xmin BIGINT,
  query VARCHAR, backend_type VARCHAR);

-- information_schema, from the pg_catalog relations above.
CREATE VIEW tidemark_information_schema.schemata AS
SELECT ${database} AS catalog_name, nspname AS schema_name, ${tenant} AS schema_owner,
  NULL::VARCHAR AS default_character_set_catalog, NULL::VARCHAR AS default_character_set_schema,
  NULL::VARCHAR AS default_character_set_name, NULL::VARCHAR AS sql_path
FROM tidemark_pg_catalog.pg_namespace;
CREATE VIEW tidemark_information_schema.tables AS
SELECT ${database} AS table_catalog, n.nspname AS table_schema, c.relname AS table_name, 'BASE TABLE' AS table_type,
  NULL::VARCHAR AS self_referencing_column_name, NULL::VARCHAR AS reference_generation,
  NULL::VARCHAR AS user_defined_type_catalog, NULL::VARCHAR AS user_defined_type_schema,
  NULL::VARCHAR AS user_defined_type_name, 'NO' AS is_insertable_into, 'NO' AS is_typed,
  NULL::VARCHAR AS commit_action
FROM tidemark_pg_catalog.pg_class c JOIN tidemark_pg_catalog.pg_namespace n ON n.oid = c.relnamespace;
CREATE VIEW tidemark_information_schema.columns AS
SELECT ${database} AS table_catalog, n.nspname AS table_schema, c.relname AS table_name, a.attname AS column_name,
  a.attnum::INTEGER AS ordinal_position, NULL::VARCHAR AS column_default,
  CASE WHEN a.attnotnull THEN 'NO' ELSE 'YES' END AS is_nullable, tn.sql_name AS data_type,
  NULL::INTEGER AS character_maximum_length,
  CASE WHEN t.typcategory = 'S' THEN 1073741824 END AS character_octet_length,
  CASE t.typname WHEN 'int8' THEN 64 WHEN 'float8' THEN 53 END AS numeric_precision,
  CASE WHEN t.typcategory = 'N' THEN 2 END AS numeric_precision_radix,
  CASE t.typname WHEN 'int8' THEN 0 END AS numeric_scale,
  CASE WHEN t.typcategory = 'D' THEN 6 END AS datetime_precision, NULL::VARCHAR AS interval_type,
  NULL::INTEGER AS interval_precision, NULL::VARCHAR AS character_set_catalog,
  NULL::VARCHAR AS character_set_schema, NULL::VARCHAR AS character_set_name, NULL::VARCHAR AS collation_catalog,
  NULL::VARCHAR AS collation_schema, NULL::VARCHAR AS collation_name, NULL::VARCHAR AS domain_catalog,
  NULL::VARCHAR AS domain_schema, NULL::VARCHAR AS domain_name, ${database} AS udt_catalog,
  'pg_catalog' AS udt_schema, t.typname AS udt_name, NULL::VARCHAR AS scope_catalog, NULL::VARCHAR AS scope_schema,
  NULL::VARCHAR AS scope_name, NULL::INTEGER AS maximum_cardinality, a.attnum::VARCHAR AS dtd_identifier,
  'NO' AS is_self_referencing, 'NO' AS is_identity, NULL::VARCHAR AS identity_generation,
  NULL::VARCHAR AS identity_start, NULL::VARCHAR AS identity_increment, NULL::VARCHAR AS identity_maximum,
  NULL::VARCHAR AS identity_minimum, NULL::VARCHAR AS identity_cycle, 'NEVER' AS is_generated,
  NULL::VARCHAR AS generation_expression, 'NO' AS is_updatable
FROM tidemark_pg_catalog.pg_attribute a JOIN tidemark_pg_catalog.pg_class c ON c.oid = a.attrelid
  JOIN tidemark_pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  JOIN tidemark_pg_catalog.pg_type t ON t.oid = a.atttypid
  JOIN tidemark_pg_catalog.pg_type_name tn ON tn.oid = a.atttypid;
CREATE TABLE tidemark_information_schema.views (table_catalog VARCHAR, table_schema VARCHAR, table_name VARCHAR,
  view_definition VARCHAR, check_option VARCHAR, is_updatable VARCHAR, is_insertable_into VARCHAR,
  is_trigger_updatable VARCHAR, is_trigger_deletable VARCHAR, is_trigger_insertable_into VARCHAR);
CREATE TABLE tidemark_information_schema.table_constraints (constraint_catalog VARCHAR, constraint_schema VARCHAR,
  constraint_name VARCHAR, table_catalog VARCHAR, table_schema VARCHAR, table_name VARCHAR,
  constraint_type VARCHAR, is_deferrable VARCHAR, initially_deferred VARCHAR, enforced VARCHAR,
  nulls_distinct VARCHAR);
CREATE TABLE tidemark_information_schema.key_column_usage (constraint_catalog VARCHAR, constraint_schema VARCHAR,
  constraint_name VARCHAR, table_catalog VARCHAR, table_schema VARCHAR, table_name VARCHAR, column_name VARCHAR,
  ordinal_position INTEGER, position_in_unique_constraint INTEGER);
CREATE TABLE tidemark_information_schema.referential_constraints (constraint_catalog VARCHAR,
  constraint_schema VARCHAR, constraint_name VARCHAR, unique_constraint_catalog VARCHAR,
  unique_constraint_schema VARCHAR, unique_constraint_name VARCHAR, match_option VARCHAR, update_rule VARCHAR,
  delete_rule VARCHAR);
CREATE TABLE tidemark_information_schema.routines (specific_catalog VARCHAR, specific_schema VARCHAR,
  specific_name VARCHAR, routine_catalog VARCHAR, routine_schema VARCHAR, routine_name VARCHAR,
  routine_type VARCHAR, data_type VARCHAR, type_udt_name VARCHAR, routine_body VARCHAR,
  routine_definition VARCHAR, external_language VARCHAR, is_deterministic VARCHAR);
CREATE TABLE tidemark_information_schema.sequences (sequence_catalog VARCHAR, sequence_schema VARCHAR,
  sequence_name VARCHAR, data_type VARCHAR, numeric_precision INTEGER, numeric_precision_radix INTEGER,
  numeric_scale INTEGER, start_value VARCHAR, minimum_value VARCHAR, maximum_value VARCHAR, increment VARCHAR,
  cycle_option VARCHAR);

-- Catalog functions (CatalogNames.FUNCTIONS): the guard renames every call to these macros. A macro's argument is
-- inlined as written, so subqueries inside macros use tm_* aliases that no caller's alias can capture.
CREATE MACRO tidemark_pg_catalog."version"() AS ${version};
CREATE MACRO tidemark_pg_catalog."current_database"() AS ${database};
CREATE MACRO tidemark_pg_catalog."current_catalog"() AS ${database};
CREATE MACRO tidemark_pg_catalog."current_schema"() AS ${tenant};
CREATE MACRO tidemark_pg_catalog."current_schemas"(include_implicit) AS
  CASE WHEN include_implicit THEN ['pg_catalog', ${tenant}] ELSE [${tenant}] END;
CREATE MACRO tidemark_pg_catalog."current_user"() AS ${tenant};
CREATE MACRO tidemark_pg_catalog."session_user"() AS ${tenant};
CREATE MACRO tidemark_pg_catalog."current_role"() AS ${tenant};
CREATE MACRO tidemark_pg_catalog."user"() AS ${tenant};
CREATE MACRO tidemark_pg_catalog."pg_backend_pid"() AS 0;
CREATE MACRO tidemark_pg_catalog."current_setting"(setting_name) AS (SELECT tm_s.setting
  FROM tidemark_pg_catalog.pg_settings tm_s WHERE lower(tm_s.name) = lower(setting_name)),
  (setting_name, missing_ok) AS (SELECT tm_s.setting FROM tidemark_pg_catalog.pg_settings tm_s
  WHERE lower(tm_s.name) = lower(setting_name));
CREATE MACRO tidemark_pg_catalog."pg_get_userbyid"(role_oid) AS
  CASE WHEN role_oid = 10 THEN ${tenant} ELSE 'unknown (OID=' || role_oid || ')' END;
CREATE MACRO tidemark_pg_catalog."pg_table_is_visible"(rel_oid) AS EXISTS (SELECT 1
  FROM tidemark_pg_catalog.pg_class tm_c JOIN tidemark_pg_catalog.pg_namespace tm_n ON tm_n.oid = tm_c.relnamespace
  WHERE tm_c.oid = rel_oid AND tm_n.nspname = ${tenant});
CREATE MACRO tidemark_pg_catalog."pg_type_is_visible"(type_oid) AS true;
CREATE MACRO tidemark_pg_catalog."pg_function_is_visible"(function_oid) AS true;
CREATE MACRO tidemark_pg_catalog."format_type"(type_oid, type_mod) AS (SELECT tm_n.sql_name
  FROM tidemark_pg_catalog.pg_type_name tm_n WHERE tm_n.oid = type_oid);
CREATE MACRO tidemark_pg_catalog."obj_description"(object_oid) AS NULL::VARCHAR,
  (object_oid, catalog_name) AS NULL::VARCHAR;
CREATE MACRO tidemark_pg_catalog."col_description"(table_oid, column_number) AS NULL::VARCHAR;
CREATE MACRO tidemark_pg_catalog."shobj_description"(object_oid, catalog_name) AS NULL::VARCHAR;
CREATE MACRO tidemark_pg_catalog."pg_encoding_to_char"(encoding_id) AS 'UTF8';
CREATE MACRO tidemark_pg_catalog."pg_get_expr"(expr, relation) AS NULL::VARCHAR,
  (expr, relation, pretty) AS NULL::VARCHAR;
CREATE MACRO tidemark_pg_catalog."pg_get_indexdef"(index_oid) AS NULL::VARCHAR,
  (index_oid, column_number, pretty) AS NULL::VARCHAR;
CREATE MACRO tidemark_pg_catalog."pg_get_constraintdef"(constraint_oid) AS NULL::VARCHAR,
  (constraint_oid, pretty) AS NULL::VARCHAR;
CREATE MACRO tidemark_pg_catalog."pg_get_viewdef"(view_oid) AS NULL::VARCHAR,
  (view_oid, pretty) AS NULL::VARCHAR;
CREATE MACRO tidemark_pg_catalog."pg_get_triggerdef"(trigger_oid) AS NULL::VARCHAR,
  (trigger_oid, pretty) AS NULL::VARCHAR;
CREATE MACRO tidemark_pg_catalog."pg_get_partkeydef"(table_oid) AS NULL::VARCHAR;
CREATE MACRO tidemark_pg_catalog."pg_get_statisticsobjdef_columns"(statistics_oid) AS NULL::VARCHAR;
CREATE MACRO tidemark_pg_catalog."pg_relation_is_publishable"(rel_oid) AS false;
-- information_schema._pg_expandarray (pgjdbc's getPrimaryKeys): the first element only, since pg_index is always
-- empty in Tidemark; PostgreSQL's is set-returning.
CREATE MACRO tidemark_pg_catalog."_pg_expandarray"(arr) AS {'x': arr[1], 'n': 1};
CREATE MACRO tidemark_pg_catalog."pg_get_function_result"(function_oid) AS NULL::VARCHAR;
CREATE MACRO tidemark_pg_catalog."pg_get_function_arguments"(function_oid) AS NULL::VARCHAR;
CREATE MACRO tidemark_pg_catalog."pg_get_serial_sequence"(table_name, column_name) AS NULL::VARCHAR;
CREATE MACRO tidemark_pg_catalog."pg_size_pretty"(size_bytes) AS size_bytes::VARCHAR || ' bytes';
CREATE MACRO tidemark_pg_catalog."pg_table_size"(rel_oid) AS 0::BIGINT;
CREATE MACRO tidemark_pg_catalog."pg_relation_size"(rel_oid) AS 0::BIGINT, (rel_oid, fork) AS 0::BIGINT;
CREATE MACRO tidemark_pg_catalog."pg_total_relation_size"(rel_oid) AS 0::BIGINT;
CREATE MACRO tidemark_pg_catalog."pg_indexes_size"(rel_oid) AS 0::BIGINT;
CREATE MACRO tidemark_pg_catalog."pg_database_size"(database) AS 0::BIGINT;
CREATE MACRO tidemark_pg_catalog."read_privilege"(privilege) AS regexp_full_match(upper(privilege),
  '\s*(SELECT|USAGE|CONNECT|EXECUTE)(\s+WITH\s+GRANT\s+OPTION)?\s*');
CREATE MACRO tidemark_pg_catalog."has_table_privilege"(table_ref, privilege) AS
  tidemark_pg_catalog."read_privilege"(privilege),
  (role_ref, table_ref, privilege) AS tidemark_pg_catalog."read_privilege"(privilege);
CREATE MACRO tidemark_pg_catalog."has_schema_privilege"(schema_ref, privilege) AS
  tidemark_pg_catalog."read_privilege"(privilege),
  (role_ref, schema_ref, privilege) AS tidemark_pg_catalog."read_privilege"(privilege);
CREATE MACRO tidemark_pg_catalog."has_database_privilege"(database_ref, privilege) AS
  tidemark_pg_catalog."read_privilege"(privilege),
  (role_ref, database_ref, privilege) AS tidemark_pg_catalog."read_privilege"(privilege);
CREATE MACRO tidemark_pg_catalog."has_column_privilege"(table_ref, column_ref, privilege) AS
  tidemark_pg_catalog."read_privilege"(privilege),
  (role_ref, table_ref, column_ref, privilege) AS tidemark_pg_catalog."read_privilege"(privilege);
CREATE MACRO tidemark_pg_catalog."has_any_column_privilege"(table_ref, privilege) AS
  tidemark_pg_catalog."read_privilege"(privilege),
  (role_ref, table_ref, privilege) AS tidemark_pg_catalog."read_privilege"(privilege);
CREATE MACRO tidemark_pg_catalog."has_function_privilege"(function_ref, privilege) AS
  tidemark_pg_catalog."read_privilege"(privilege),
  (role_ref, function_ref, privilege) AS tidemark_pg_catalog."read_privilege"(privilege);
CREATE MACRO tidemark_pg_catalog."has_sequence_privilege"(sequence_ref, privilege) AS false,
  (role_ref, sequence_ref, privilege) AS false;
CREATE MACRO tidemark_pg_catalog."pg_has_role"(role_ref, privilege) AS true,
  (user_ref, role_ref, privilege) AS true;
CREATE MACRO tidemark_pg_catalog."quote_ident"(name) AS CASE
  WHEN regexp_full_match(name, '[a-z_][a-z0-9_$]*') AND name NOT IN (${reserved}) THEN name
  ELSE '"' || replace(name, '"', '""') || '"' END;
CREATE MACRO tidemark_pg_catalog."parse_ident"(qualified) AS list_transform(string_split(qualified, '.'),
  part -> CASE WHEN starts_with(trim(part), '"') THEN replace(trim(trim(part), '"'), '""', '"')
  ELSE lower(trim(part)) END), (qualified, strict) AS list_transform(string_split(qualified, '.'),
  part -> CASE WHEN starts_with(trim(part), '"') THEN replace(trim(trim(part), '"'), '""', '"')
  ELSE lower(trim(part)) END);
CREATE MACRO tidemark_pg_catalog."array_lower"(arr, dimension) AS CASE WHEN len(arr) > 0 THEN 1 END;
CREATE MACRO tidemark_pg_catalog."array_upper"(arr, dimension) AS CASE WHEN len(arr) > 0 THEN len(arr) END;
CREATE MACRO tidemark_pg_catalog."pg_is_in_recovery"() AS false;
CREATE MACRO tidemark_pg_catalog."pg_postmaster_start_time"() AS ${started}::TIMESTAMPTZ;
CREATE MACRO tidemark_pg_catalog."pg_conf_load_time"() AS ${started}::TIMESTAMPTZ;
CREATE MACRO tidemark_pg_catalog."pg_tablespace_location"(tablespace_oid) AS '';
CREATE MACRO tidemark_pg_catalog."regclass"(relation_name) AS COALESCE((SELECT tm_c.oid
  FROM tidemark_pg_catalog.pg_class tm_c JOIN tidemark_pg_catalog.pg_namespace tm_n ON tm_n.oid = tm_c.relnamespace
  WHERE tm_c.relname = tidemark_pg_catalog."parse_ident"(relation_name)[-1]
    AND tm_n.nspname = CASE WHEN len(tidemark_pg_catalog."parse_ident"(relation_name)) = 2
      THEN tidemark_pg_catalog."parse_ident"(relation_name)[1] ELSE ${tenant} END),
  CASE tidemark_pg_catalog."parse_ident"(relation_name)[-1] WHEN 'pg_class' THEN 1259 WHEN 'pg_type' THEN 1247
    WHEN 'pg_attribute' THEN 1249 WHEN 'pg_proc' THEN 1255 WHEN 'pg_namespace' THEN 2615
    WHEN 'pg_database' THEN 1262 WHEN 'pg_constraint' THEN 2606 WHEN 'pg_description' THEN 2609 END);
CREATE MACRO tidemark_pg_catalog."to_regclass"(relation_name) AS tidemark_pg_catalog."regclass"(relation_name);
CREATE MACRO tidemark_pg_catalog."regtype"(type_name) AS (SELECT tm_t.oid FROM tidemark_pg_catalog.pg_type tm_t
  JOIN tidemark_pg_catalog.pg_type_name tm_n ON tm_n.oid = tm_t.oid WHERE tm_t.typname = type_name OR tm_n.sql_name = type_name);
CREATE MACRO tidemark_pg_catalog."txid_current"() AS 1::BIGINT;
CREATE MACRO tidemark_pg_catalog."inet_server_addr"() AS NULL::VARCHAR;
CREATE MACRO tidemark_pg_catalog."inet_server_port"() AS NULL::INTEGER;
CREATE MACRO tidemark_pg_catalog."pg_is_other_temp_schema"(schema_oid) AS false;
CREATE MACRO tidemark_pg_catalog."pg_my_temp_schema"() AS 0::BIGINT;
-- PostgreSQL's ~ finds the pattern anywhere; the engine's ~ matches the whole text: the guard wraps the pattern.
CREATE MACRO tidemark_pg_catalog.pg_regex(pattern) AS '(?s).*(?:' || pattern || ').*';
CREATE MACRO tidemark_pg_catalog.pg_regex_i(pattern) AS '(?is).*(?:' || pattern || ').*';
