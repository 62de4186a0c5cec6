package io.keyway.keys.secrets;

import io.quarkus.runtime.LaunchMode;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
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
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
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
 *
 * <p>Ownership (issue 18): a secret's ciphertext is bound through GCM associated data to its account and record
 * ({@code aad_version} 2, {@code V54__local_secret_owner.sql}), so a ciphertext copied under another owner's row does
 * not decrypt; and a read for an owner checks the row's owner first. Versions written before (aad_version 1) still
 * decrypt with the owner check alone. A rotation marks the version it replaces superseded; superseded versions are
 * deleted {@code old-version-grace} later by a sweep on each replica (deletes are idempotent).
 */
@ApplicationScoped
public class LocalSecretStore implements SecretStore {

    static final String NAME = "local";
    /** The id of the development master key in application.properties; its value is public. */
    static final String DEV_MASTER_KEY_ID = "dev-insecure";
    private static final Logger LOG = Logger.getLogger(LocalSecretStore.class);
    private static final int REWRAP_BATCH = 200;

    /** Associated-data layout of versions written now: bound to secret, version, account and record. */
    static final int AAD_VERSION = 2;
    private static final int SWEEP_BATCH = 500;

    private final Pool pool;
    private final LocalMasterKeys keys;
    private final boolean enabled;
    private final boolean rewrapAtStart;
    private final Duration oldVersionGrace;
    private final Duration oldVersionSweepInterval;

    @Inject
    LocalSecretStore(Pool pool, SecretStoresConfig config) {
        this(pool, config.local().enabled()
                        ? LocalMasterKeys.configured(config.local().masterKeys(), config.local().activeMasterKey())
                        : LocalMasterKeys.none(),
                config.local().enabled(), config.local().rewrapAtStart(), config.local().oldVersionGrace(),
                config.local().oldVersionSweepInterval());
    }

    LocalSecretStore(Pool pool, LocalMasterKeys keys, boolean enabled, boolean rewrapAtStart) {
        this(pool, keys, enabled, rewrapAtStart, Duration.ofHours(24), Duration.ofMinutes(10));
    }

    LocalSecretStore(Pool pool, LocalMasterKeys keys, boolean enabled, boolean rewrapAtStart, Duration oldVersionGrace,
            Duration oldVersionSweepInterval) {
        this.pool = pool;
        this.keys = keys;
        this.enabled = enabled;
        this.rewrapAtStart = rewrapAtStart;
        this.oldVersionGrace = oldVersionGrace;
        this.oldVersionSweepInterval = oldVersionSweepInterval;
    }

    void scheduleOldVersionSweep(@Observes StartupEvent event, Vertx vertx) {
        if (!enabled) {
            return;
        }
        vertx.setPeriodic(oldVersionSweepInterval.toMillis(), id -> deleteSupersededVersions().subscribe().with(
                n -> {
                    if (n > 0) {
                        LOG.infof("local secret store: deleted %d versions superseded more than %s ago", n,
                                oldVersionGrace);
                    }
                },
                f -> LOG.warnf("local secret store: sweep of superseded versions failed: %s",
                        f.getClass().getSimpleName())));
    }

    /**
     * Deletes the versions that a rotation replaced more than {@code old-version-grace} ago, in batches; returns how
     * many went. The current version of a secret is never superseded, so it is never deleted here.
     */
    public Uni<Integer> deleteSupersededVersions() {
        OffsetDateTime cutoff = OffsetDateTime.now(ZoneOffset.UTC).minus(oldVersionGrace);
        return pool.preparedQuery("DELETE FROM local_secret_versions WHERE ctid IN (SELECT ctid FROM"
                        + " local_secret_versions WHERE superseded_at < $1 LIMIT " + SWEEP_BATCH + ")")
                .execute(Tuple.of(cutoff))
                .flatMap(rows -> rows.rowCount() == SWEEP_BATCH
                        ? deleteSupersededVersions().map(more -> SWEEP_BATCH + more)
                        : Uni.createFrom().item(rows.rowCount()))
                .onFailure().transform(LocalSecretStore::asStoreFailure);
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
                        .chain(() -> insertVersion(conn, id, 1, owner == null ? null : owner.accountId(),
                                owner == null ? null : owner.recordId(), value)))
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
                        + " WHERE id = $1 RETURNING current_version, account_id, record_id")
                .execute(Tuple.of(id))
                .chain(rows -> {
                    if (rows.size() == 0) {
                        return Uni.createFrom().failure(new SecretNotFoundException(NAME, locator));
                    }
                    Row row = rows.iterator().next();
                    if (!ownedBy(row, owner)) {
                        LOG.errorf("local secret store: refused to rotate secret %s for another owner (record %s)",
                                locator, owner.recordId());
                        return Uni.createFrom().failure(new SecretNotFoundException(NAME, locator));
                    }
                    int version = row.getInteger("current_version");
                    return conn.preparedQuery("UPDATE local_secret_versions SET superseded_at = now()"
                                    + " WHERE secret_id = $1 AND version < $2 AND superseded_at IS NULL")
                            .execute(Tuple.of(id, version))
                            .chain(() -> insertVersion(conn, id, version, row.getString("account_id"),
                                    row.getString("record_id"), value));
                })).replaceWithVoid()
                .onFailure().transform(LocalSecretStore::asStoreFailure);
    }

    @Override
    public Uni<SecretValue> read(String locator) {
        return read(locator, null);
    }

    /**
     * Reads the current version for {@code owner}: a row that belongs to another account or record is "not found" for
     * this owner (and logged: a key record pointing at someone else's secret is corruption or tampering).
     */
    @Override
    public Uni<SecretValue> read(String locator, SecretOwner owner) {
        UUID id = parse(locator);
        if (id == null) {
            return Uni.createFrom().failure(new SecretNotFoundException(NAME, locator));
        }
        return pool.preparedQuery("SELECT v.version, v.master_key_id, v.wrapped_data_key, v.ciphertext, v.aad_version,"
                        + " s.account_id, s.record_id"
                        + " FROM local_secrets s JOIN local_secret_versions v"
                        + " ON v.secret_id = s.id AND v.version = s.current_version WHERE s.id = $1")
                .execute(Tuple.of(id))
                .map(rows -> {
                    if (rows.size() == 0) {
                        throw new SecretNotFoundException(NAME, locator);
                    }
                    Row row = rows.iterator().next();
                    if (!ownedBy(row, owner)) {
                        LOG.errorf("local secret store: secret %s does not belong to record %s; not returned", locator,
                                owner.recordId());
                        throw new SecretNotFoundException(NAME, locator);
                    }
                    return decrypt(id, row);
                })
                .onFailure().transform(LocalSecretStore::asStoreFailure);
    }

    /** True without an expected owner (internal callers); otherwise the row's account and record must be the owner's. */
    private static boolean ownedBy(Row row, SecretOwner owner) {
        return owner == null || (Objects.equals(row.getString("account_id"), owner.accountId())
                && Objects.equals(row.getString("record_id"), owner.recordId()));
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

    private Uni<RowSet<Row>> insertVersion(SqlConnection conn, UUID id, int version, String accountId, String recordId,
            SecretValue value) {
        String masterId = keys.activeId();
        byte[] dataKey = LocalMasterKeys.newDataKey();
        byte[] ciphertext = LocalMasterKeys.seal(new SecretKeySpec(dataKey, "AES"),
                value.value().getBytes(StandardCharsets.UTF_8), secretAad(AAD_VERSION, id, version, accountId, recordId));
        byte[] wrapped = keys.wrap(masterId, dataKey, dataKeyAad(id, version, masterId));
        Arrays.fill(dataKey, (byte) 0);
        return conn.preparedQuery("INSERT INTO local_secret_versions"
                        + " (secret_id, version, master_key_id, wrapped_data_key, ciphertext, aad_version)"
                        + " VALUES ($1, $2, $3, $4, $5, $6)")
                .execute(Tuple.of(id, version, masterId, Buffer.buffer(wrapped), Buffer.buffer(ciphertext), (short) AAD_VERSION));
    }

    private SecretValue decrypt(UUID id, Row row) {
        int version = row.getInteger("version");
        String masterId = row.getString("master_key_id");
        byte[] dataKey = keys.unwrap(masterId, row.getBuffer("wrapped_data_key").getBytes(),
                dataKeyAad(id, version, masterId));
        try {
            byte[] plain = LocalMasterKeys.open(new SecretKeySpec(dataKey, "AES"),
                    row.getBuffer("ciphertext").getBytes(), secretAad(row.getShort("aad_version"), id, version,
                            row.getString("account_id"), row.getString("record_id")));
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

    /**
     * Version 1 (before issue 18) binds secret id and version; version 2 also the owner's account and record, so the
     * row's owner columns cannot be changed, nor a ciphertext moved to another owner's row, without failing the tag.
     */
    static String secretAad(int aadVersion, UUID id, int version, String accountId, String recordId) {
        if (aadVersion == 1) {
            return "keyway/local-secret/" + id + "/" + version;
        }
        return "keyway/local-secret/v2/" + id + "/" + version + "/" + (accountId == null ? "" : accountId) + "/"
                + (recordId == null ? "" : recordId);
    }

    static String dataKeyAad(UUID id, int version, String masterKeyId) {
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
