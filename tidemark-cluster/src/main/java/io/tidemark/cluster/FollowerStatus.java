package io.tidemark.cluster;

import io.tidemark.core.TenantId;
import java.time.Instant;
import java.util.Objects;
import java.util.Set;

/**
 * A {@link LogFollower}'s state as of its last poll. Immutable.
 *
 * @param partition the followed partition
 * @param state where the follower is in its life
 * @param position the offset of the next record it reads; -1 before it is positioned
 * @param lag records between {@code position} and the partition's end as the consumer last saw it; -1 when unknown
 * @param lastCut the offset of the last {@code CUT} applied (its generation number is this plus one); -1 for none
 * @param lastCutAt that cut's instant; null for none
 * @param tenants the tenants followed
 * @param buffered records read and waiting for a cut (at or above the last cut's {@code upTo})
 * @param bufferedBytes their encoded size, which the follower's buffer bound limits
 * @param overflows how often the buffer went past its bound and was dropped, to be read again after the next cut
 *     (see {@link LogFollower.Builder#maxBufferBytes}), since the start
 * @param undecodable records skipped because they did not decode, since the start
 */
public record FollowerStatus(int partition, State state, long position, long lag, long lastCut, Instant lastCutAt,
        Set<TenantId> tenants, int buffered, long bufferedBytes, long overflows, long undecodable) {

    /** A follower's life: created, following (started), failed (see the listener's {@code failed}), closed. */
    public enum State { CREATED, FOLLOWING, FAILED, CLOSED }

    public FollowerStatus {
        Objects.requireNonNull(state, "state");
        tenants = Set.copyOf(tenants);
    }
}
