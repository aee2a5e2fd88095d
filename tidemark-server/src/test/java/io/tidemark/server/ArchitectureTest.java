package io.tidemark.server;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Dependencies point one way: server → rollup/live → store/core; the orchestrator sees only the store's SPI, and the
 * live engine sees neither the store nor JDBC.
 */
class ArchitectureTest {
    private static JavaClasses classes;

    @BeforeAll
    static void load() {
        classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("io.tidemark");
    }

    @Test
    void core_dependsOnNoOtherModule() {
        noClasses().that().resideInAPackage("io.tidemark.core..").should().dependOnClassesThat()
                .resideInAnyPackage("io.tidemark.store..", "io.tidemark.rollup..", "io.tidemark.server..", "java.sql..")
                .check(classes);
    }

    @Test
    void live_seesNeitherStoreNorRollupNorServerNorJdbc() {
        noClasses().that().resideInAPackage("io.tidemark.live..").should().dependOnClassesThat()
                .resideInAnyPackage("io.tidemark.store..", "io.tidemark.rollup..", "io.tidemark.server..", "java.sql..")
                .check(classes);
    }

    @Test
    void store_dependsOnCoreOnly() {
        noClasses().that().resideInAPackage("io.tidemark.store..").should().dependOnClassesThat()
                .resideInAnyPackage("io.tidemark.rollup..", "io.tidemark.server..").check(classes);
    }

    /** The SQL module knows neither the store nor the server; the store implements only the guard's hooks. */
    @Test
    void sql_seesNeitherStoreNorServer_andTheStoreSeesOnlyTheGuard() {
        noClasses().that().resideInAPackage("io.tidemark.sql..").should().dependOnClassesThat()
                .resideInAnyPackage("io.tidemark.store..", "io.tidemark.rollup..", "io.tidemark.live..",
                        "io.tidemark.server..").check(classes);
        noClasses().that().resideInAPackage("io.tidemark.store..").should().dependOnClassesThat()
                .resideInAPackage("io.tidemark.sql.wire..").check(classes);
    }

    @Test
    void rollup_usesTheStoreSpiOnly() {
        noClasses().that().resideInAPackage("io.tidemark.rollup..").should().dependOnClassesThat()
                .resideInAnyPackage("io.tidemark.store.jdbc..", "io.tidemark.store.duckdb..",
                        "io.tidemark.store.postgres..", "io.tidemark.server..", "java.sql..")
                .check(classes);
    }

    @Test
    void storeSpi_doesNotDependOnProviders() {
        noClasses().that().resideInAPackage("io.tidemark.store").should().dependOnClassesThat()
                .resideInAnyPackage("io.tidemark.store.jdbc..", "io.tidemark.store.duckdb..",
                        "io.tidemark.store.postgres..").check(classes);
    }

    @Test
    void providers_doNotDependOnEachOther() {
        noClasses().that().resideInAPackage("io.tidemark.store.duckdb..").should().dependOnClassesThat()
                .resideInAPackage("io.tidemark.store.postgres..").check(classes);
        noClasses().that().resideInAPackage("io.tidemark.store.postgres..").should().dependOnClassesThat()
                .resideInAPackage("io.tidemark.store.duckdb..").check(classes);
    }

    @Test
    void client_dependsOnNoOtherModule() {
        noClasses().that().resideInAPackage("io.tidemark.client..").should().dependOnClassesThat()
                .resideInAnyPackage("io.tidemark.server..", "io.tidemark.store..", "io.tidemark.rollup..",
                        "io.tidemark.core..", "io.tidemark.live..", "io.javalin..", "graphql..")
                .check(classes);
    }

    @Test
    void protocol_dependsOnJacksonOnly() {
        noClasses().that().resideInAPackage("io.tidemark.protocol..").should().dependOnClassesThat()
                .resideInAnyPackage("io.tidemark.server..", "io.tidemark.store..", "io.tidemark.rollup..",
                        "io.tidemark.core..", "io.tidemark.live..", "io.tidemark.client..", "io.javalin..",
                        "org.eclipse..", "com.fasterxml.jackson.databind..")
                .check(classes);
    }

    @Test
    void client_isOnTheClasspathOfThisCheck() {
        org.assertj.core.api.Assertions.assertThat(classes.contain("io.tidemark.client.TidemarkClient")).isTrue();
        org.assertj.core.api.Assertions.assertThat(classes.contain("io.tidemark.protocol.FrameCodec")).isTrue();
    }

    @Test
    void ingestFastPaths_dependOnNoOtherServerPackage() {
        noClasses().that().resideInAPackage("io.tidemark.server.ingest.fast..").should().dependOnClassesThat(
                JavaClass.Predicates.resideInAPackage("io.tidemark.server..")
                        .and(JavaClass.Predicates.resideOutsideOfPackage("io.tidemark.server.ingest.fast..")))
                .check(classes);
    }

    @Test
    void serverAdapters_reachTheStoreOnlyThroughItsSpi() {
        noClasses().that().resideInAnyPackage("io.tidemark.server.http..", "io.tidemark.server.graphql..",
                "io.tidemark.server.ingest..", "io.tidemark.server.sql..").should().dependOnClassesThat()
                .resideInAnyPackage("io.tidemark.store.jdbc..", "io.tidemark.store.duckdb..",
                        "io.tidemark.store.postgres..", "java.sql..")
                .check(classes);
    }
}
