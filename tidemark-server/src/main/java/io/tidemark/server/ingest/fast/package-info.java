/**
 * The ingest fast paths: NDJSON ({@link io.tidemark.server.ingest.fast.FastNdjson}) and CSV
 * ({@link io.tidemark.server.ingest.fast.FastCsv}) read straight from a body's bytes, without Jackson.
 *
 * <h2>Contract</h2>
 * <ul>
 *   <li>Each fast path reads a <em>strict subset</em> of what its reference reader
 *       ({@link io.tidemark.server.ingest.NdjsonReader}, {@link io.tidemark.server.ingest.CsvReader}, both on
 *       Jackson) reads. For a body in that subset it hands the {@link io.tidemark.server.ingest.fast.RowSink} the
 *       same calls, so the batch (rows, values and their types, lines) is the one the reference reader builds.</li>
 *   <li>For any other body, and for any body the reference reader would report an error in, it <em>gives up</em>
 *       (returns null, having handed nothing) and the reference reader reads the body instead. It never gives a
 *       different answer: when in doubt it gives up.</li>
 *   <li>{@code FastPathOracleTest} is the oracle: random bodies built from well-formed and tricky pieces give the same
 *       batch or the same errors with and without the fast path, and enough of them take it.</li>
 *   <li>The paths are an optimisation only: {@code ingest.fast-path=false} turns them off, and every body is read by
 *       the reference readers.</li>
 * </ul>
 *
 * <p>This package depends on no other server package: the reference readers call it, never the other way round.
 * {@link io.tidemark.server.ingest.fast.PlainIso} (the plain UTC timestamp form) is shared with the reference readers,
 * which try it before a full ISO-8601 parse, whether the fast paths are on or off.
 */
package io.tidemark.server.ingest.fast;
