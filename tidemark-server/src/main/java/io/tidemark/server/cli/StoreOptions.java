package io.tidemark.server.cli;

import io.tidemark.server.ConfigResolver;
import io.tidemark.server.ServerConfig;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * The options every command that opens the store shares, resolved like {@code serve}'s configuration: flags,
 * then {@code TIDEMARK_*} environment variables, then the {@code --config} file, then the defaults.
 */
final class StoreOptions {
    @Option(names = {"-c", "--config"}, description = "properties file with configuration keys (see docs/api.md)")
    Path config;

    @Option(names = "--data-dir", description = "directory of the embedded DuckDB store (default: ./data)")
    String dataDir;

    @Option(names = "--jdbc-url", description = "store JDBC URL instead of embedded DuckDB, e.g. "
            + "jdbc:postgresql://host:5432/db?user=u&password=p")
    String jdbcUrl;

    @Option(names = {"-s", "--set"}, paramLabel = "KEY=VALUE", description = "any configuration key, e.g. "
            + "--set ingest.max-rows=100000")
    Map<String, String> set = new LinkedHashMap<>();

    /** The flags given, as configuration keys. */
    Map<String, String> flags() {
        Map<String, String> out = new LinkedHashMap<>(set);
        if (dataDir != null) {
            out.put("data-dir", dataDir);
        }
        if (jdbcUrl != null) {
            out.put("jdbc.url", jdbcUrl);
        }
        return out;
    }

    ServerConfig resolve(Map<String, String> moreFlags) {
        Map<String, String> flags = flags();
        flags.putAll(moreFlags);
        Map<String, String> file = config == null ? Map.of() : ConfigResolver.readFile(config);
        return ConfigResolver.resolve(file, System.getenv(), flags);
    }

    /** The effective value of a key (for log settings, which are not part of {@link ServerConfig}). */
    String value(String key, String fallback) {
        Map<String, String> file = config == null ? Map.of() : ConfigResolver.readFile(config);
        String v = ConfigResolver.merge(file, System.getenv(), flags()).get(io.tidemark.server.ConfigKey.of(key));
        return v == null || v.isEmpty() ? fallback : v;
    }
}
