package io.tidemark.store;

class PostgresTenantSqlIT extends TenantSqlContract {
    @Override
    protected Store newStore() {
        return TestStores.postgres();
    }

    @Override
    protected boolean isolatesTenants() {
        return true;
    }
}
