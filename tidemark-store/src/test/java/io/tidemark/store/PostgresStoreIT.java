package io.tidemark.store;

class PostgresStoreIT extends StoreContract {
    private String url;

    @Override
    protected Store newStore() {
        url = TestStores.postgresDatabase();
        return TestStores.open(url);
    }

    @Override
    protected Store reopen(Store s) {
        s.close();
        return TestStores.open(url);
    }
}
