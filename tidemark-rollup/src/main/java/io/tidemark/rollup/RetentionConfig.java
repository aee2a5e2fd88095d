package io.tidemark.rollup;

import io.tidemark.core.ErrorCode;
import io.tidemark.core.TidemarkException;
import java.time.Duration;
import java.util.Objects;

/**
 * Limits of the retention deletes the {@link OrchestratorHost} runs each round.
 *
 * @param maxSpanPerStatement the widest time range one {@code DELETE} covers (from the oldest row on); bounds the
 *     size of one transaction, so a large backlog never becomes one giant delete
 * @param maxStatementsPerRound most deletes per archive per round; the rest waits for the next round, so one
 *     backlog cannot starve the rollups and the other tenants of the host
 */
public record RetentionConfig(Duration maxSpanPerStatement, int maxStatementsPerRound) {
    /** One hour per statement, 100 statements per archive per round. */
    public static final RetentionConfig DEFAULT = new RetentionConfig(Duration.ofHours(1), 100);

    public RetentionConfig {
        Objects.requireNonNull(maxSpanPerStatement, "maxSpanPerStatement");
        if (maxSpanPerStatement.isNegative() || maxSpanPerStatement.isZero()) {
            throw new TidemarkException(ErrorCode.INVALID_ARGUMENT,
                    "retention maxSpanPerStatement must be positive, got " + maxSpanPerStatement);
        }
        if (maxStatementsPerRound < 1) {
            throw new TidemarkException(ErrorCode.INVALID_ARGUMENT,
                    "retention maxStatementsPerRound must be at least 1, got " + maxStatementsPerRound);
        }
    }
}
