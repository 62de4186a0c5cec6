package io.keyway.billing;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * CPU seconds the benchmark's parts use while it runs, read from {@code /proc} (Linux, PostgreSQL and Kafka on this
 * machine): this JVM (billing's consumers), the PostgreSQL backends connected to billing's database, PostgreSQL's
 * background processes (WAL writer, checkpointer, background writer, autovacuum launcher; shared with every other
 * database of the server) and the Kafka broker (shared with every other user of it). On a shared machine throughput
 * varies with what else runs; CPU per event does much less, and what two cores could apply is 2 / (CPU per event).
 */
final class ProcessCpu {

    /** One part: the processes it sums (found again at each sample, as backends come and go). */
    record Part(String name, Supplier<List<Long>> pids) {
    }

    private static final long TICKS_PER_SECOND = 100; // USER_HZ on Linux
    private final List<Part> parts;
    private final Map<String, Map<Long, Long>> last = new HashMap<>();
    private final Map<String, Long> ticks = new HashMap<>();
    private final long jvmStart = jvmCpuNanos();
    private long jvmEnd;

    private ProcessCpu(List<Part> parts) {
        this.parts = parts;
        for (Part part : parts) {
            Map<Long, Long> seen = new HashMap<>();
            for (long pid : part.pids().get()) {
                seen.put(pid, ticksOf(pid)); // counted from now on
            }
            last.put(part.name(), seen);
            ticks.put(part.name(), 0L);
        }
    }

    /** Starts counting; {@code backends} gives the current PostgreSQL backend pids of billing's database. */
    static ProcessCpu start(Supplier<List<Long>> backends) {
        List<Part> parts = new ArrayList<>();
        parts.add(new Part("postgres-backends", backends));
        parts.add(new Part("postgres-background", () -> matching("postgres: ", List.of("walwriter", "checkpointer",
                "background writer", "autovacuum launcher"))));
        parts.add(new Part("kafka-broker", () -> matching("", List.of("kafka.Kafka"))));
        return new ProcessCpu(parts);
    }

    /** Adds what each process used since the last sample; a process first seen now counts all it used (it is new). */
    void sample() {
        for (Part part : parts) {
            Map<Long, Long> seen = last.get(part.name());
            for (long pid : part.pids().get()) {
                long now = ticksOf(pid);
                if (now < 0) {
                    continue;
                }
                long before = seen.getOrDefault(pid, 0L);
                ticks.merge(part.name(), Math.max(0, now - before), Long::sum);
                seen.put(pid, now);
            }
        }
        jvmEnd = jvmCpuNanos();
    }

    /** e.g. {@code billing JVM 41.2 µs, postgres-backends 60.1 µs, ... per event}. */
    String perEvent(long events) {
        StringBuilder out = new StringBuilder();
        double jvm = (jvmEnd - jvmStart) / 1e3 / events;
        double total = jvm;
        out.append(String.format("billing JVM %.1f", jvm));
        for (Part part : parts) {
            double us = ticks.get(part.name()) * 1e6 / TICKS_PER_SECOND / events;
            total += us;
            out.append(String.format(", %s %.1f", part.name(), us));
        }
        out.append(String.format(" = %.1f µs CPU per event (2 cores doing only this: %.0f events/s)", total,
                2e6 / total));
        return out.toString();
    }

    private static long jvmCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    /** utime + stime of a process in clock ticks, or -1 when it is gone or unreadable. */
    private static long ticksOf(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(f[11]) + Long.parseLong(f[12]); // fields 14 and 15 of stat(5)
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** Pids whose command line starts with {@code prefix} and contains one of {@code words}. */
    private static List<Long> matching(String prefix, List<String> words) {
        List<Long> pids = new ArrayList<>();
        try (var dirs = Files.list(Path.of("/proc"))) {
            dirs.forEach(dir -> {
                String name = dir.getFileName().toString();
                if (!name.chars().allMatch(Character::isDigit)) {
                    return;
                }
                try {
                    String cmd = new String(Files.readAllBytes(dir.resolve("cmdline")), StandardCharsets.UTF_8)
                            .replace('\0', ' ');
                    if (cmd.startsWith(prefix) && words.stream().anyMatch(cmd::contains)) {
                        pids.add(Long.parseLong(name));
                    }
                } catch (IOException | RuntimeException gone) {
                    // the process ended while listed
                }
            });
        } catch (IOException e) {
            return pids;
        }
        return pids;
    }
}
