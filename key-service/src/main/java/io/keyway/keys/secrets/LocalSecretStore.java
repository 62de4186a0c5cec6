package io.keyway.keys.secrets;

import io.quarkus.runtime.LaunchMode;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import io.vertx.core.buffer.Buffer;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import javax.crypto.spec.SecretKeySpec;
import org.jboss.logging.Logger;

/**
 * The {@code local} store: AES-256-GCM envelope encryption in key-service's own database (tables from
 * {@code V50__local_secrets.sql}). Every version of a secret gets a fresh random data key; the secret is encrypted
 * with the data key, the data key is wrapped by the active master key, and the row records the master key's id so
 * that several master keys can be configured while the active one changes. {@link #rewrapToActiveKey()} moves data
 * keys still wrapped by an older master key to the active one, after which the old master key can be removed.
 * Runs on the reactive PostgreSQL client (no blocking); its writes are their own transactions.
 */
@ApplicationScoped
public class LocalSecretStore implements SecretStore {

    static final String NAME = "local";
    /** The id of the development master key in application.properties; its value is public. */
    static final String DEV_MASTER_KEY_ID = "dev-insecure";
    private static final Logger LOG = Logger.getLogger(LocalSecretStore.class);
    private static final int REWRAP_BATCH = 200;

    private final Pool pool;
    private final LocalMasterKeys keys;
    private final boolean enabled;
    private final boolean rewrapAtStart;

    @Inject
    LocalSecretStore(Pool pool, SecretStoresConfig config) {
        this(pool, config.local().enabled()
                        ? LocalMasterKeys.configured(config.local().masterKeys(), config.local().activeMasterKey())
                        : LocalMasterKeys.none(),
                config.local().enabled(), config.local().rewrapAtStart());
    }

    LocalSecretStore(Pool pool, LocalMasterKeys keys, boolean enabled, boolean rewrapAtStart) {
        this.pool = pool;
        this.keys = keys;
        this.enabled = enabled;
        this.rewrapAtStart = rewrapAtStart;
    }

    void onStart(@Observes StartupEvent event) {
        if (enabled && DEV_MASTER_KEY_ID.equals(keys.activeId()) && LaunchMode.current() == LaunchMode.NORMAL) {
            LOG.warnf("local secret store: the active master key is '%s', a PUBLIC development key; set"
                    + " keyway.keys.secrets.local.master-keys.<id> and KEYWAY_LOCAL_MASTER_KEY_ID for production",
                    DEV_MASTER_KEY_ID);
        }
        if (enabled && rewrapAtStart) {
            rewrapToActiveKey().subscribe().with(
                    n -> LOG.infof("local secret store: re-wrapped %d data keys with master key '%s'", n,
                            keys.activeId()),
                    f -> LOG.warnf("local secret store: re-wrap at start failed: %s", f.getClass().getSimpleName()));
        }
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public boolean enabled() {
        return enabled;
    }

    @Override
    public Uni<String> create(SecretOwner owner, SecretValue value) {
        UUID id = UUID.randomUUID();
        return pool.withTransaction(conn -> conn
                        .preparedQuery("INSERT INTO local_secrets (id, account_id, provider, record_id, current_version)"
                                + " VALUES ($1, $2, $3, $4, 1)")
                        .execute(Tuple.tuple().addUUID(id).addString(owner == null ? null : owner.accountId())
                                .addString(owner == null ? null : owner.provider())
                                .addString(owner == null ? null : owner.recordId()))
                        .chain(() -> insertVersion(conn, id, 1, value)))
                .replaceWith(id.toString())
                .onFailure().transform(LocalSecretStore::asStoreFailure);
    }

    @Override
    public Uni<Void> rotate(String locator, SecretOwner owner, SecretValue value) {
        UUID id = parse(locator);
        if (id == null) {
            return Uni.createFrom().failure(new SecretNotFoundException(NAME, locator));
        }
        return pool.withTransaction(conn -> conn
                .preparedQuery("UPDATE local_secrets SET current_version = current_version + 1, updated_at = now()"
                        + " WHERE id = $1 RETURNING current_version")
                .execute(Tuple.of(id))
                .chain(rows -> {
                    if (rows.size() == 0) {
                        return Uni.createFrom().failure(new SecretNotFoundException(NAME, locator));
                    }
                    return insertVersion(conn, id, rows.iterator().next().getInteger(0), value);
                })).replaceWithVoid()
                .onFailure().transform(LocalSecretStore::asStoreFailure);
    }

    @Override
    public Uni<SecretValue> read(String locator) {
        UUID id = parse(locator);
        if (id == null) {
            return Uni.createFrom().failure(new SecretNotFoundException(NAME, locator));
        }
        return pool.preparedQuery("SELECT v.version, v.master_key_id, v.wrapped_data_key, v.ciphertext"
                        + " FROM local_secrets s JOIN local_secret_versions v"
                        + " ON v.secret_id = s.id AND v.version = s.current_version WHERE s.id = $1")
                .execute(Tuple.of(id))
                .map(rows -> {
                    if (rows.size() == 0) {
                        throw new SecretNotFoundException(NAME, locator);
                    }
                    return decrypt(id, rows.iterator().next());
                })
                .onFailure().transform(LocalSecretStore::asStoreFailure);
    }

    @Override
    public Uni<Void> delete(String locator) {
        UUID id = parse(locator);
        if (id == null) {
            return Uni.createFrom().voidItem();
        }
        return pool.preparedQuery("DELETE FROM local_secrets WHERE id = $1").execute(Tuple.of(id)).replaceWithVoid()
                .onFailure().transform(LocalSecretStore::asStoreFailure);
    }

    /**
     * Re-wraps every data key that a configured, non-active master key wrapped, with the active master key
     * (master-key rotation). The secrets themselves are not re-encrypted. Returns how many data keys moved.
     * Rows wrapped by a master key that is no longer configured are left as they are (and stay unreadable).
     */
    public Uni<Integer> rewrapToActiveKey() {
        return rewrapFrom(0);
    }

    private Uni<Integer> rewrapFrom(int doneSoFar) {
        String active = keys.activeId();
        String[] others = keys.ids().stream().filter(id -> !id.equals(active))
                .toArray(String[]::new);
        if (others.length == 0) {
            return Uni.createFrom().item(doneSoFar);
        }
        return pool.preparedQuery("SELECT secret_id, version, master_key_id, wrapped_data_key"
                        + " FROM local_secret_versions WHERE master_key_id = ANY($1) LIMIT " + REWRAP_BATCH)
                .execute(Tuple.of(others))
                .chain(rows -> {
                    if (rows.size() == 0) {
                        return Uni.createFrom().item(doneSoFar);
                    }
                    List<Tuple> updates = new ArrayList<>();
                    for (Row row : rows) {
                        UUID id = row.getUUID("secret_id");
                        int version = row.getInteger("version");
                        String oldId = row.getString("master_key_id");
                        byte[] dataKey = keys.unwrap(oldId, row.getBuffer("wrapped_data_key").getBytes(),
                                dataKeyAad(id, version, oldId));
                        byte[] wrapped = keys.wrap(active, dataKey, dataKeyAad(id, version, active));
                        Arrays.fill(dataKey, (byte) 0);
                        updates.add(Tuple.of(active, Buffer.buffer(wrapped), id, version, oldId));
                    }
                    return pool.preparedQuery("UPDATE local_secret_versions SET master_key_id = $1,"
                                    + " wrapped_data_key = $2 WHERE secret_id = $3 AND version = $4"
                                    + " AND master_key_id = $5")
                            .executeBatch(updates)
                            .chain(ignored -> rows.size() < REWRAP_BATCH
                                    ? Uni.createFrom().item(doneSoFar + rows.size())
                                    : rewrapFrom(doneSoFar + rows.size()));
                });
    }

    private Uni<RowSet<Row>> insertVersion(SqlConnection conn, UUID id, int version, SecretValue value) {
        String masterId = keys.activeId();
        byte[] dataKey = LocalMasterKeys.newDataKey();
        byte[] ciphertext = LocalMasterKeys.seal(new SecretKeySpec(dataKey, "AES"),
                value.value().getBytes(StandardCharsets.UTF_8), secretAad(id, version));
        byte[] wrapped = keys.wrap(masterId, dataKey, dataKeyAad(id, version, masterId));
        Arrays.fill(dataKey, (byte) 0);
        return conn.preparedQuery("INSERT INTO local_secret_versions"
                        + " (secret_id, version, master_key_id, wrapped_data_key, ciphertext)"
                        + " VALUES ($1, $2, $3, $4, $5)")
                .execute(Tuple.of(id, version, masterId, Buffer.buffer(wrapped), Buffer.buffer(ciphertext)));
    }

    private SecretValue decrypt(UUID id, Row row) {
        int version = row.getInteger("version");
        String masterId = row.getString("master_key_id");
        byte[] dataKey = keys.unwrap(masterId, row.getBuffer("wrapped_data_key").getBytes(),
                dataKeyAad(id, version, masterId));
        try {
            byte[] plain = LocalMasterKeys.open(new SecretKeySpec(dataKey, "AES"),
                    row.getBuffer("ciphertext").getBytes(), secretAad(id, version));
            return new SecretValue(new String(plain, StandardCharsets.UTF_8));
        } finally {
            Arrays.fill(dataKey, (byte) 0);
        }
    }

    /**
     * Database failures become "unavailable" with the exception type only: the driver's messages can quote
     * parameter values (ciphertext and wrapped keys), which do not belong in errors or logs.
     */
    private static Throwable asStoreFailure(Throwable f) {
        if (f instanceof SecretNotFoundException || f instanceof SecretStoreUnavailableException) {
            return f;
        }
        return new SecretStoreUnavailableException(NAME, "database error (" + f.getClass().getSimpleName() + ")");
    }

    private static String secretAad(UUID id, int version) {
        return "keyway/local-secret/" + id + "/" + version;
    }

    private static String dataKeyAad(UUID id, int version, String masterKeyId) {
        return "keyway/local-data-key/" + id + "/" + version + "/" + masterKeyId;
    }

    private static UUID parse(String locator) {
        try {
            return locator == null ? null : UUID.fromString(locator);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
