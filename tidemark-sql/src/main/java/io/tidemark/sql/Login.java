package io.tidemark.sql;

import java.util.Map;
import java.util.Objects;

/**
 * What a client presented at connection startup.
 *
 * @param user the {@code user} startup parameter, never {@code null} (the protocol requires it)
 * @param password the cleartext password: a Tidemark token; never {@code null}, never logged
 * @param database the {@code database} startup parameter, or the user name when the client sent none
 * @param startupParameters every startup parameter as sent ({@code application_name}, {@code options},
 *     {@code client_encoding}, …), unmodifiable
 */
public record Login(String user, String password, String database, Map<String, String> startupParameters) {
    public Login {
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(password, "password");
        Objects.requireNonNull(database, "database");
        startupParameters = Map.copyOf(startupParameters);
    }

    /** The {@code application_name} the client sent, or an empty string. */
    public String applicationName() {
        return startupParameters.getOrDefault("application_name", "");
    }

    /** Never shows the password. */
    @Override
    public String toString() {
        return "Login[user=" + user + ", database=" + database + ", application_name=" + applicationName() + "]";
    }
}
