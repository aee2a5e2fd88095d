package io.tidemark.live;

/** One registered query of one subscriber, attached to a (possibly shared) operator. Guarded by the tenant lock. */
final class QueryHandle {
    final OutboxSubscription subscription;
    final String queryId;
    final QueryType type;
    final Operator operator;
    boolean snapshotPending = true;
    /** The status last handed to the subscriber (a query starts OK). */
    QueryStatus status = QueryStatus.OK;

    QueryHandle(OutboxSubscription subscription, String queryId, QueryType type, Operator operator) {
        this.subscription = subscription;
        this.queryId = queryId;
        this.type = type;
        this.operator = operator;
    }
}
