package io.tidemark.server;

import io.tidemark.core.ErrorCode;
import io.tidemark.core.TidemarkException;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Resolves configuration from four layers, the first that sets a key winning: flags, then environment variables
 * ({@code TIDEMARK_*}), then the properties file, then the defaults. A key the file or a flag names but Tidemark
 * does not know is an error (a typo must not pass silently); unknown {@code TIDEMARK_*} variables are ignored,
 * since the launcher uses some of its own.
 */
public final class ConfigResolver {
    private static final Pattern BYTES = Pattern.compile("(\\d+)\\s*(|B|KB|KiB|MB|MiB|GB|GiB)", Pattern.CASE_INSENSITIVE);
    private static final Pattern SIMPLE_DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|h)");
    /** {@code mqtt.subscription.<name>.<field>}: the one family of keys whose names are the user's. */
    private static final Pattern SUBSCRIPTION_KEY = Pattern.compile("mqtt\\.subscription\\.([a-z][a-z0-9_]{0,62})\\."
            + "([a-z-]+)");
    private static final String SUBSCRIPTION_ENV = "TIDEMARK_MQTT_SUBSCRIPTION_";
    /**
     * {@code cluster.kafka.<property>}: a Kafka client property, passed as given (file and flags only: a Kafka
     * property's dots and dashes cannot be told apart in an environment variable's name).
     */
    private static final Pattern KAFKA_PROPERTY_KEY = Pattern.compile("cluster\\.kafka\\.([a-z0-9][a-z0-9._-]*)");

    private ConfigResolver() {}

    /** The effective value of every key that some layer sets. */
    public static Map<ConfigKey, String> merge(Map<String, String> file, Map<String, String> env,
            Map<String, String> flags) {
        Map<ConfigKey, String> out = new EnumMap<>(ConfigKey.class);
        file.forEach((k, v) -> {
            if (!isFamilyKey(k)) {
                out.put(require(k, "the configuration file"), v.trim());
            }
        });
        for (ConfigKey k : ConfigKey.values()) {
            String v = env.get(k.envName());
            if (v != null) {
                out.put(k, v.trim());
            }
        }
        flags.forEach((k, v) -> {
            if (!isFamilyKey(k)) {
                out.put(require(k, "a flag"), v.trim());
            }
        });
        return out;
    }

    private static boolean isFamilyKey(String k) {
        return SUBSCRIPTION_KEY.matcher(k).matches() || KAFKA_PROPERTY_KEY.matcher(k).matches();
    }

    /**
     * The effective {@code cluster.kafka.<property>} values (file, then flags), by Kafka property name
     * ({@code cluster.kafka.security.protocol} → {@code security.protocol}).
     */
    public static Map<String, String> mergeKafkaProperties(Map<String, String> file, Map<String, String> flags) {
        Map<String, String> out = new java.util.TreeMap<>();
        for (Map<String, String> layer : java.util.List.of(file, flags)) {
            layer.forEach((k, v) -> {
                Matcher m = KAFKA_PROPERTY_KEY.matcher(k);
                if (m.matches()) {
                    out.put(m.group(1), v.trim());
                }
            });
        }
        return out;
    }

    /**
     * The effective {@code mqtt.subscription.<name>.<field>} values, by key, with the same precedence as {@link #merge}.
     * In the environment such a key is {@code TIDEMARK_MQTT_SUBSCRIPTION_<NAME>_<FIELD>} ({@code -} as {@code _}):
     * {@code TIDEMARK_MQTT_SUBSCRIPTION_PLANT_RT_ID} is {@code mqtt.subscription.plant.rt-id}.
     */
    public static Map<String, String> mergeSubscriptions(Map<String, String> file, Map<String, String> env,
            Map<String, String> flags) {
        Map<String, String> out = new java.util.TreeMap<>();
        file.forEach((k, v) -> {
            if (SUBSCRIPTION_KEY.matcher(k).matches()) {
                out.put(k, v.trim());
            }
        });
        env.forEach((k, v) -> {
            String key = subscriptionKeyOfEnv(k);
            if (key != null) {
                out.put(key, v.trim());
            }
        });
        flags.forEach((k, v) -> {
            if (SUBSCRIPTION_KEY.matcher(k).matches()) {
                out.put(k, v.trim());
            }
        });
        return out;
    }

    private static String subscriptionKeyOfEnv(String name) {
        if (!name.startsWith(SUBSCRIPTION_ENV)) {
            return null;
        }
        String rest = name.substring(SUBSCRIPTION_ENV.length());
        for (String field : io.tidemark.server.mqtt.MqttConfig.SUBSCRIPTION_FIELDS) {
            String suffix = "_" + field.toUpperCase(Locale.ROOT).replace('-', '_');
            if (rest.endsWith(suffix) && rest.length() > suffix.length()) {
                return "mqtt.subscription." + rest.substring(0, rest.length() - suffix.length()).toLowerCase(Locale.ROOT)
                        + "." + field;
            }
        }
        return null;
    }

    /** Applies {@link #merge} over the defaults. */
    public static ServerConfig resolve(Map<String, String> file, Map<String, String> env, Map<String, String> flags) {
        ServerConfig.Builder b = ServerConfig.builder();
        merge(file, env, flags).forEach((k, v) -> {
            if (!v.isEmpty()) {
                k.apply(b, v);
            }
        });
        mergeKafkaProperties(file, flags).forEach((k, v) -> b.cluster().kafkaProperty(k, v));
        mergeSubscriptions(file, env, flags).forEach((k, v) -> {
            Matcher m = SUBSCRIPTION_KEY.matcher(k);
            if (m.matches() && !v.isEmpty()) {
                b.mqtt().subscriptionField(m.group(1), m.group(2), v);
            }
        });
        return b.build();
    }

    /** Reads a properties file (UTF-8); {@code INVALID_ARGUMENT} naming the file when it cannot be read. */
    public static Map<String, String> readFile(Path file) {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            p.load(r);
        } catch (NoSuchFileException e) {
            throw new TidemarkException(ErrorCode.INVALID_ARGUMENT, "configuration file " + file + " does not exist");
        } catch (IOException | IllegalArgumentException e) {
            throw new TidemarkException(ErrorCode.INVALID_ARGUMENT, "cannot read configuration file " + file + ": "
                    + e.getMessage(), e);
        }
        Map<String, String> out = new java.util.LinkedHashMap<>();
        p.stringPropertyNames().stream().sorted().forEach(k -> out.put(k, p.getProperty(k)));
        return out;
    }

    private static ConfigKey require(String key, String where) {
        ConfigKey k = ConfigKey.of(key);
        if (k == null) {
            throw new TidemarkException(ErrorCode.INVALID_ARGUMENT, "unknown configuration key '" + key + "' in "
                    + where + "; known keys: " + java.util.Arrays.stream(ConfigKey.values()).map(ConfigKey::key)
                    .toList());
        }
        return k;
    }

    static int parseInt(String key, String v) {
        try {
            return Integer.parseInt(v.replace("_", ""));
        } catch (NumberFormatException e) {
            throw ServerConfig.invalid(key, "expected a whole number, got '" + v + "'");
        }
    }

    static boolean parseBoolean(String key, String v) {
        if (v.equalsIgnoreCase("true") || v.equalsIgnoreCase("false")) {
            return Boolean.parseBoolean(v);
        }
        throw ServerConfig.invalid(key, "expected true or false, got '" + v + "'");
    }

    /** {@code 1048576}, {@code 64MiB}, {@code 10MB}: binary and decimal units. */
    static long parseBytes(String key, String v) {
        Matcher m = BYTES.matcher(v.trim());
        if (!m.matches()) {
            throw ServerConfig.invalid(key, "expected a size such as 1048576, 512KiB or 64MiB, got '" + v + "'");
        }
        long n = Long.parseLong(m.group(1));
        long unit = switch (m.group(2).toUpperCase(Locale.ROOT)) {
            case "KB" -> 1000L;
            case "KIB" -> 1024L;
            case "MB" -> 1000L * 1000;
            case "MIB" -> 1024L * 1024;
            case "GB" -> 1000L * 1000 * 1000;
            case "GIB" -> 1024L * 1024 * 1024;
            default -> 1L;
        };
        return Math.multiplyExact(n, unit);
    }

    /** An ISO-8601 duration ({@code PT5S}) or a short form ({@code 500ms}, {@code 5s}, {@code 2m}, {@code 1h}). */
    static Duration parseDuration(String key, String v) {
        Matcher m = SIMPLE_DURATION.matcher(v.trim());
        if (m.matches()) {
            long n = Long.parseLong(m.group(1));
            return switch (m.group(2)) {
                case "ms" -> Duration.ofMillis(n);
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                default -> Duration.ofHours(n);
            };
        }
        try {
            return Duration.parse(v.trim());
        } catch (DateTimeParseException e) {
            throw ServerConfig.invalid(key, "expected a duration such as PT5S, 5s or 500ms, got '" + v + "'");
        }
    }
}
