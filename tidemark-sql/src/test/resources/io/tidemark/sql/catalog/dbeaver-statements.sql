-- The main catalog statements DBeaver's PostgreSQL driver (plugins/org.jkiss.dbeaver.ext.postgresql, DBeaver 24–25)
-- sends on connect and when the navigator opens a database, a schema and a table, from DBeaver's source on GitHub
-- (model/PostgreDataSource.java: current_schema()/session_user, SHOW search_path, the pg_database list;
-- model/PostgreDatabase.java: readDatabaseInfo, SchemaCache; model/PostgreSchema.java: TableCache and the attribute
-- cache) and, verbatim, from DBeaver 25.3.3's statement as logged in pg_stat_activity for the columns query. DBeaver's
-- other navigator statements (procedures, extensions, event triggers, ACLs) were not captured: see the report.
-- '-- params:' lines give the values ToolFixturesIT binds: text, or @ns:<schema> / @rel:<schema.table> for the oid of
-- that schema or table; '-- expect:' lines what the answer (rows as a|b|c) contains. Separated by lines of four dashes.
-- expect: acme|acme
SELECT current_schema(),session_user
----
-- expect: acme
SHOW search_path
----
-- expect: acme
SELECT reset_val FROM pg_settings WHERE name = 'search_path'
----
-- expect: PostgreSQL 14.0 (Tidemark)
SELECT version()
----
-- params: tidemark
-- expect: tidemark
SELECT db.oid,db.* FROM pg_catalog.pg_database db WHERE 1 = 1 AND datallowconn AND NOT datistemplate OR db.datname =$1
----
-- params: tidemark
-- expect: tidemark
SELECT db.oid,db.* FROM pg_catalog.pg_database db WHERE datname=$1
----
-- expect: acme
-- expect: latest
-- expect: recent
SELECT n.oid,n.*,d.description FROM pg_catalog.pg_namespace n
LEFT OUTER JOIN pg_catalog.pg_description d ON d.objoid=n.oid AND d.objsubid=0 AND d.classoid='pg_namespace'::regclass
 ORDER BY nspname
----
SELECT 1 FROM pg_catalog.pg_attribute s JOIN pg_catalog.pg_class p ON s.attrelid = p.oid JOIN pg_catalog.pg_namespace n ON p.relnamespace = n.oid WHERE p.relname = 'pg_type' AND n.nspname = 'pg_catalog' AND s.attname = 'typcategory'
----
-- params: @ns:acme
-- expect: |raw|
-- expect: |m1|
SELECT c.oid,c.*,d.description,pg_catalog.pg_get_expr(c.relpartbound, c.oid) as partition_expr,  pg_catalog.pg_get_partkeydef(c.oid) as partition_key 
FROM pg_catalog.pg_class c
LEFT OUTER JOIN pg_catalog.pg_description d ON d.objoid=c.oid AND d.objsubid=0 AND d.classoid='pg_class'::regclass
WHERE c.relnamespace=$1 AND c.relkind not in ('i','I','c')
----
-- params: @rel:acme.raw
-- expect: |timestamp|1184|
-- expect: |value|701|
-- expect: |n|20|
SELECT c.relname,a.*,pg_catalog.pg_get_expr(ad.adbin, ad.adrelid, true) as def_value,dsc.description,dep.objid
FROM pg_catalog.pg_attribute a
INNER JOIN pg_catalog.pg_class c ON (a.attrelid=c.oid)
LEFT OUTER JOIN pg_catalog.pg_attrdef ad ON (a.attrelid=ad.adrelid AND a.attnum = ad.adnum)
LEFT OUTER JOIN pg_catalog.pg_description dsc ON (c.oid=dsc.objoid AND a.attnum = dsc.objsubid)
LEFT OUTER JOIN pg_depend dep on dep.refobjid = a.attrelid AND dep.deptype = 'i' and dep.refobjsubid = a.attnum and dep.classid = dep.refclassid
WHERE NOT a.attisdropped AND c.relkind not in ('i','I','c') AND c.oid=$1
ORDER BY a.attnum
