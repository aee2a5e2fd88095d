package io.tidemark.server.ingest;

/**
 * One problem with an ingest body.
 *
 * @param row the 1-based sample the problem is in; 0 for the CSV header or the body as a whole
 * @param line the 1-based line of the body where that sample starts; 0 when unknown
 * @param column the offending column, or null
 */
public record BodyError(int row, int line, String column, String reason) {}
