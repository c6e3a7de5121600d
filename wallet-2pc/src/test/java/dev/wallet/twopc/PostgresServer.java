package dev.wallet.twopc;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;

/**
 * The throw-away PostgreSQL server that {@code .ci/run} starts and announces in
 * {@code WALLET_PG_URL} (and optionally {@code WALLET_PG_USER}, {@code WALLET_PG_PASSWORD}).
 * Shards are databases {@code wallet_shard_<i>} and the coordinator {@code wallet_coordinator};
 * each deployment gets fresh schemas in them.
 */
final class PostgresServer {

    static final String URL = System.getenv("WALLET_PG_URL");
    static final String USER = System.getenv().getOrDefault("WALLET_PG_USER", "postgres");
    static final String PASSWORD = System.getenv().getOrDefault("WALLET_PG_PASSWORD", "");
    static final String SKIP_REASON = "WALLET_PG_URL is not set, so the PostgreSQL integration tests are skipped; "
            + ".ci/run starts a throw-away PostgreSQL server and sets it";

    private PostgresServer() {
    }

    static boolean available() {
        return URL != null && !URL.isBlank();
    }

    /** A layout on fresh schemas, one per database, for one deployment. */
    static ShardConfig freshLayout(int shards) {
        return layout("d" + UUID.randomUUID().toString().replace("-", "").substring(0, 16), shards);
    }

    /** The layout of a deployment directory: the same directory always maps to the same schemas. */
    static ShardConfig layoutFor(java.nio.file.Path directory, int shards) {
        byte[] path = directory.toAbsolutePath().toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
        return layout("d" + UUID.nameUUIDFromBytes(path).toString().replace("-", ""), shards);
    }

    private static ShardConfig layout(String schema, int shards) {
        List<String> urls = new ArrayList<>();
        for (int i = 0; i < shards; i++) {
            urls.add(schemaUrl(ensureDatabase("wallet_shard_" + i), schema));
        }
        String coordinator = schemaUrl(ensureDatabase("wallet_coordinator"), schema);
        return ShardConfig.postgres(urls, coordinator, USER, PASSWORD);
    }

    private static synchronized String ensureDatabase(String name) {
        try (Connection admin = DriverManager.getConnection(URL, USER, PASSWORD)) {
            admin.setAutoCommit(true);
            try (Statement statement = admin.createStatement();
                 ResultSet exists = statement.executeQuery("SELECT 1 FROM pg_database WHERE datname = '" + name + "'")) {
                if (!exists.next()) {
                    try (Statement create = admin.createStatement()) {
                        create.execute("CREATE DATABASE " + name);
                    }
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create database " + name + " on " + URL, e);
        }
        return URL.substring(0, URL.lastIndexOf('/') + 1) + name;
    }

    private static String schemaUrl(String databaseUrl, String schema) {
        try (Connection connection = DriverManager.getConnection(databaseUrl, USER, PASSWORD);
             Statement statement = connection.createStatement()) {
            connection.setAutoCommit(true);
            statement.execute("CREATE SCHEMA IF NOT EXISTS " + schema.toLowerCase(Locale.ROOT));
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create schema " + schema + " in " + databaseUrl, e);
        }
        return databaseUrl + "?currentSchema=" + schema;
    }
}
