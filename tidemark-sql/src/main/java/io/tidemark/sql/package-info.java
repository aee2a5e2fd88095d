/**
 * SQL reads for the tools that speak PostgreSQL (psql, pgjdbc, Grafana, DBeaver): the server side of the PostgreSQL
 * frontend/backend protocol v3 and the guard that admits only read-only queries over one tenant's tables. This module
 * knows neither the store nor the HTTP server: the server plugs a backend in that authenticates with Tidemark tokens
 * and runs guarded statements on the store's engine.
 */
package io.tidemark.sql;
