package io.tidemark.store;

class PostgresTimeFunctionsIT extends TimeFunctionsContract {
    @Override
    protected Store newStore() {
        return TestStores.postgres();
    }
}
