package io.keyway.gateway.service;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.keyway.contracts.BudgetLease;
import io.keyway.gateway.client.BillingClient;
import io.keyway.gateway.config.GatewayConfig;
import io.keyway.gateway.metrics.CreditRefusals;
import io.keyway.gateway.service.ApiKeyResolver.Caller;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.vertx.core.Vertx;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * Reservation before dispatch (docs/decisions.md, "Budget leases"). Each request reserves its {@link WorstCase} from
 * this replica's lease of the account's balance and, when its API key has a spend limit, of that limit; when it ends,
 * the reservation is settled with what it actually cost. A lease with room reserves in memory: a warm request makes no
 * call. A lease that runs low asks billing-service for more in the background; a request that does not fit waits for
 * that answer (at most {@code sync-timeout}), then is refused with 402 and OpenRouter's {@code limit_source}. Billing
 * keeps the sum of every replica's leases within the budget, so concurrent requests on many replicas cannot spend more
 * than the balance (or the key's limit) by more than their estimates' error.
 * <p>
 * Billing unreachable: no new room is granted; a lease is used until its expiry (5 minutes after its last sync by
 * default), then requests that reserve anything get 503. Requests that reserve nothing (BYOK requests the free
 * allowance clearly covers) never need billing.
 */
@Singleton
public class Budgets {

    private static final Logger LOG = Logger.getLogger(Budgets.class);
    /** A lease is not used this close to its expiry (clock skew between replica and billing, and the sync's time). */
    private static final long EXPIRY_MARGIN_SECONDS = 10;
    /** An idle lease that holds nothing is forgotten after this long. */
    private static final long FORGET_NANOS = TimeUnit.MINUTES.toNanos(10);

    /** What one request reserved; {@link #settle} it once when the request ends, whatever the outcome. */
    public static final class Reservation {
        /** Nothing reserved: a request whose worst case is 0 for both budgets. */
        public static final Reservation NONE = new Reservation(null, BigDecimal.ZERO, null, BigDecimal.ZERO);

        private final Lease account;
        private final BigDecimal accountAmount;
        private final Lease key;
        private final BigDecimal keyAmount;
        private boolean settled;

        Reservation(Lease account, BigDecimal accountAmount, Lease key, BigDecimal keyAmount) {
            this.account = account;
            this.accountAmount = accountAmount;
            this.key = key;
            this.keyAmount = keyAmount;
        }

        /** The lease ids the usage event names ({@code budget_leases}). */
        public List<String> leaseIds() {
            if (account == null && key == null) {
                return List.of();
            }
            List<String> ids = new ArrayList<>(2);
            if (account != null) {
                ids.add(account.id.toString());
            }
            if (key != null) {
                ids.add(key.id.toString());
            }
            return ids;
        }

        /**
         * Replaces the reservation by the request's actual cost: {@code charged} (what billing charges the account, 0
         * for a request nothing is charged for) and, for a BYOK request, its list cost, which counts against a key
         * that includes BYOK in its limit. Only the first call counts.
         */
        public void settle(BigDecimal charged, BigDecimal byokListCost) {
            synchronized (this) {
                if (settled) {
                    return;
                }
                settled = true;
            }
            if (account != null) {
                account.settle(accountAmount, charged);
            }
            if (key != null) {
                key.settle(keyAmount, key.includeByok ? charged.add(byokListCost) : charged);
            }
        }
    }

    private enum Fit { RESERVED, NO_ROOM, RETIRED }

    /** One budget lease of this replica: what billing granted it, and what its requests settled and hold. */
    final class Lease {
        final UUID id = UUID.randomUUID();
        final String mapKey;
        final String accountId;
        final String apiKeyId;
        final Instant periodStart;
        // the key's limit terms as key-service last said them; reported to billing with each sync
        volatile BigDecimal limit;
        volatile String limitReset;
        volatile boolean includeByok;

        // guarded by this
        private BigDecimal granted = BigDecimal.ZERO;
        /** What may be reserved up to: the grant, or less while a sync that may shrink it is on its way. */
        private BigDecimal cap = BigDecimal.ZERO;
        private BigDecimal settled = BigDecimal.ZERO;
        private BigDecimal reserved = BigDecimal.ZERO;
        private BigDecimal reservedSinceSync = BigDecimal.ZERO;
        private BigDecimal waiting = BigDecimal.ZERO;
        private BigDecimal available = BigDecimal.ZERO;
        private BigDecimal reportedSettled = BigDecimal.ZERO;
        private Instant expiresAt = Instant.EPOCH;
        private long lastReserveNanos = System.nanoTime();
        private long lastSyncNanos = System.nanoTime();
        private boolean lastSyncFailed;
        private boolean retired;
        private CompletableFuture<Void> syncing;

        Lease(String mapKey, String accountId, String apiKeyId, Instant periodStart) {
            this.mapKey = mapKey;
            this.accountId = accountId;
            this.apiKeyId = apiKeyId;
            this.periodStart = periodStart;
        }

        synchronized Fit tryReserve(BigDecimal amount) {
            if (retired) {
                return Fit.RETIRED;
            }
            lastReserveNanos = System.nanoTime();
            if (Instant.now().isAfter(expiresAt.minusSeconds(EXPIRY_MARGIN_SECONDS))
                    || cap.subtract(settled).subtract(reserved).compareTo(amount) < 0) {
                return Fit.NO_ROOM;
            }
            reserved = reserved.add(amount);
            reservedSinceSync = reservedSinceSync.add(amount);
            if (syncing == null && cap.subtract(settled).subtract(reserved).compareTo(lowWater()) < 0) {
                startSync(want()); // refill in the background: this request does not wait for it
            }
            return Fit.RESERVED;
        }

        synchronized void settle(BigDecimal reservedAmount, BigDecimal actual) {
            reserved = reserved.subtract(reservedAmount);
            settled = settled.add(actual.max(BigDecimal.ZERO));
        }

        /** Waits for a sync that asks for {@code need} more besides the usual refill. */
        CompletableFuture<Void> refill(BigDecimal need) {
            CompletableFuture<Void> sync;
            synchronized (this) {
                waiting = waiting.add(need);
                if (syncing == null) {
                    startSync(want());
                }
                sync = syncing;
            }
            return sync.whenComplete((v, f) -> {
                synchronized (this) {
                    waiting = waiting.subtract(need);
                }
            });
        }

        /** Room to ask for: at least a slice, or what the last period's reservations would use in a refill period. */
        private BigDecimal want() {
            double seconds = Math.max(0.001, (System.nanoTime() - lastSyncNanos) / 1e9);
            BigDecimal rate = reservedSinceSync.divide(BigDecimal.valueOf(seconds), 12, RoundingMode.UP);
            BigDecimal demand = rate.multiply(BigDecimal.valueOf(config.refillPeriod().toMillis() / 1000.0));
            return config.slice().max(demand).add(waiting).setScale(12, RoundingMode.UP).stripTrailingZeros();
        }

        private BigDecimal lowWater() {
            return config.slice().divide(BigDecimal.valueOf(2), 12, RoundingMode.UP);
        }

        /** Call holding the lock. */
        private void startSync(BigDecimal want) {
            BigDecimal used = settled.add(reserved);
            // Until billing answers, reserve only within what it will grant for sure: the old grant's unused part,
            // up to what this sync asks for (a sync asking for less gives the rest back).
            cap = used.add(want.min(cap.subtract(used).max(BigDecimal.ZERO)));
            BigDecimal reportSettled = settled;
            BudgetLease.Sync sync = new BudgetLease.Sync(accountId, apiKeyId == null ? BudgetLease.ACCOUNT
                    : BudgetLease.API_KEY, apiKeyId, apiKeyId == null ? null : limit, apiKeyId == null ? null : limitReset,
                    periodStart, apiKeyId != null && includeByok, settled, reserved, want);
            reservedSinceSync = BigDecimal.ZERO;
            lastSyncNanos = System.nanoTime();
            CompletableFuture<Void> done = new CompletableFuture<>();
            syncing = done;
            syncs.increment();
            billing.syncLease(id, sync, config.syncTimeout()).whenComplete((grant, failure) -> {
                synchronized (this) {
                    if (grant != null) {
                        granted = grant.granted();
                        cap = granted;
                        available = grant.available() == null ? BigDecimal.ZERO : grant.available();
                        expiresAt = grant.expiresAt();
                        reportedSettled = reportSettled;
                        lastSyncFailed = false;
                    } else {
                        // billing may or may not have applied it: keep the smaller of the two grants
                        granted = cap;
                        lastSyncFailed = true;
                        syncFailures.increment();
                        LOG.debugf("Budget lease sync failed (%s)", failure.getClass().getSimpleName());
                    }
                    syncing = null;
                }
                done.complete(null);
            });
        }

        /** The background step: give back what an idle lease holds, keep a lease in use alive, forget an old one. */
        synchronized void tick(long now) {
            if (syncing != null || retired) {
                return;
            }
            boolean idle = now - lastReserveNanos > config.idleReturn().toNanos();
            BigDecimal unused = cap.subtract(settled).subtract(reserved);
            if (idle && unused.signum() > 0) {
                startSync(BigDecimal.ZERO);
            } else if (now - lastSyncNanos > config.heartbeat().toNanos()
                    && (reserved.signum() > 0 || unused.signum() > 0 || settled.compareTo(reportedSettled) != 0)) {
                startSync(idle ? BigDecimal.ZERO : unused.max(BigDecimal.ZERO));
            } else if (idle && now - lastReserveNanos > FORGET_NANOS && reserved.signum() == 0
                    && settled.compareTo(reportedSettled) == 0) {
                retired = true;
                leases.remove(mapKey, this);
            }
        }

        synchronized CompletableFuture<Void> giveBack() {
            if (syncing != null) {
                return syncing;
            }
            startSync(BigDecimal.ZERO);
            return syncing;
        }

        synchronized boolean unreachable() {
            return lastSyncFailed;
        }

        synchronized BigDecimal available() {
            return cap.subtract(settled).subtract(reserved).max(BigDecimal.ZERO).add(available);
        }
    }

    private final BillingClient billing;
    private final GatewayConfig.Budget config;
    private final UsageCost cost;
    private final Vertx vertx;
    private final Map<String, Lease> leases = new ConcurrentHashMap<>();
    private final io.micrometer.core.instrument.Counter syncs;
    private final io.micrometer.core.instrument.Counter syncFailures;
    private final CreditRefusals refusals;
    private long timer = -1;

    public Budgets(BillingClient billing, GatewayConfig config, UsageCost cost, Vertx vertx, MeterRegistry metrics) {
        this.billing = billing;
        this.config = config.budget();
        this.cost = cost;
        this.vertx = vertx;
        this.syncs = metrics.counter("keyway.budget.lease.syncs");
        this.syncFailures = metrics.counter("keyway.budget.lease.sync.failures");
        this.refusals = new CreditRefusals(metrics);
    }

    /** Leases this replica holds (the gauge {@code keyway_budget_leases}). */
    public int leaseCount() {
        return leases.size();
    }

    void start(@Observes StartupEvent event) {
        timer = vertx.setPeriodic(1000, id -> {
            long now = System.nanoTime();
            leases.values().forEach(l -> l.tick(now));
        });
    }

    /** Gives every lease's unused room back to billing (waits up to 2 s), so other replicas can use it at once. */
    void stop(@Observes ShutdownEvent event) {
        if (timer >= 0) {
            vertx.cancelTimer(timer);
        }
        CompletableFuture<?>[] returns = leases.values().stream().map(Lease::giveBack).toArray(CompletableFuture[]::new);
        try {
            CompletableFuture.allOf(returns).get(2, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.infof("Not every budget lease was given back before shutdown; billing frees them at their expiry");
        }
    }

    /** The request's worst case for {@code caller}'s budgets, by {@link WorstCase}'s rule. */
    public WorstCase worstCase(ChatRequest request, io.keyway.gateway.service.routing.RoutingPlan plan, Caller caller) {
        return WorstCase.of(request.upstreamBody(), plan, caller.key().includeByokInLimit(), caller.accountId(), cost,
                config.defaultMaxTokens(), config.freeAllowanceMargin());
    }

    /**
     * Reserves {@code worst} for {@code caller}: completes at once when this replica's leases have room, else after
     * billing answered. Fails with a {@link GatewayError}: 402 when the account's or key's budget cannot cover it, 503
     * when billing cannot be reached and the leases have no room left.
     */
    public CompletableFuture<Reservation> reserve(Caller caller, WorstCase worst) {
        boolean keyLimited = caller.key().limit() != null && worst.key().signum() > 0;
        if (worst.account().signum() <= 0 && !keyLimited) {
            return CompletableFuture.completedFuture(Reservation.NONE);
        }
        CompletableFuture<Lease> account = worst.account().signum() <= 0 ? CompletableFuture.completedFuture(null)
                : reserveIn(() -> accountLease(caller.accountId()), worst.account(), 2);
        return account.thenCompose(a -> {
            if (!keyLimited) {
                return CompletableFuture.completedFuture(new Reservation(a, worst.account(), null, BigDecimal.ZERO));
            }
            CompletableFuture<Lease> key = reserveIn(() -> keyLease(caller), worst.key(), 2);
            return key.handle((k, failure) -> {
                if (failure != null) {
                    if (a != null) {
                        a.settle(worst.account(), BigDecimal.ZERO); // nothing was sent: the account's part is free again
                    }
                    throw failure instanceof java.util.concurrent.CompletionException c
                            ? c : new java.util.concurrent.CompletionException(failure);
                }
                return new Reservation(a, worst.account(), k, worst.key());
            });
        }).exceptionallyCompose(f -> CompletableFuture.failedFuture(refusal(f, caller, worst)));
    }

    private interface LeaseSource {
        Lease get();
    }

    /** Reserves in the lease {@code source} gives, refilling it up to {@code tries} times; fails with {@link NoRoom}. */
    private CompletableFuture<Lease> reserveIn(LeaseSource source, BigDecimal amount, int tries) {
        Lease lease = source.get();
        Fit fit = lease.tryReserve(amount);
        if (fit == Fit.RESERVED) {
            return CompletableFuture.completedFuture(lease);
        }
        if (fit == Fit.RETIRED) {
            return reserveIn(source, amount, tries);
        }
        if (tries == 0) {
            return CompletableFuture.failedFuture(new NoRoom(lease));
        }
        return lease.refill(amount).thenCompose(v -> reserveIn(source, amount, tries - 1));
    }

    private Lease accountLease(String accountId) {
        return leases.computeIfAbsent("a:" + accountId, k -> new Lease(k, accountId, null, null));
    }

    private Lease keyLease(Caller caller) {
        Instant period = CreditCheck.periodStart(caller.key().limitReset());
        Lease lease = leases.computeIfAbsent("k:" + caller.apiKeyId() + ":" + period,
                k -> new Lease(k, caller.accountId(), caller.apiKeyId(), period));
        lease.limit = caller.key().limit();
        lease.limitReset = caller.key().limitReset();
        lease.includeByok = caller.key().includeByokInLimit();
        return lease;
    }

    /** A budget that could not cover a request. */
    private static final class NoRoom extends RuntimeException {
        final transient Lease lease;

        NoRoom(Lease lease) {
            super(null, null, false, false);
            this.lease = lease;
        }
    }

    private Throwable refusal(Throwable failure, Caller caller, WorstCase worst) {
        Throwable cause = failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null
                ? failure.getCause() : failure;
        if (!(cause instanceof NoRoom noRoom)) {
            return cause;
        }
        Lease lease = noRoom.lease;
        if (lease.unreachable()) {
            return new GatewayError(503, "Credits cannot be reserved for this request now: billing-service is not"
                    + " reachable and this gateway's share of the budget is used up. Retry shortly.");
        }
        boolean key = lease.apiKeyId != null;
        BigDecimal need = key ? worst.key() : worst.account();
        String message = (key ? "Key limit exceeded: this request can cost up to " : "Insufficient credits: this request"
                + " can cost up to ") + need.setScale(6, RoundingMode.UP).stripTrailingZeros().toPlainString()
                + " USD (about " + worst.promptTokens() + " prompt tokens and up to " + worst.completionTokens()
                + " completion tokens), and " + (key ? "this API key's limit" : "the account") + " has "
                + lease.available().setScale(6, RoundingMode.DOWN).stripTrailingZeros().toPlainString()
                + " USD available for it. " + (key ? "Raise the key's limit or lower max_tokens."
                : "Add credits, or lower max_tokens.");
        ObjectNode metadata = JsonNodeFactory.instance.objectNode()
                .put("limit_source", key ? CreditCheck.KEY_LIMIT : CreditCheck.ACCOUNT_CREDITS);
        refusals.reservation(key);
        return new GatewayError(402, message, metadata);
    }
}
