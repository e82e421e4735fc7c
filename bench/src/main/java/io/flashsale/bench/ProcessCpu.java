package io.flashsale.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * CPU time of processes, from {@code /proc/<pid>/stat} (Linux): user and system time, with that of the children the
 * process has reaped (PostgreSQL's backends that ended). Elsewhere there is no figure. Also CPU by thread of this
 * JVM, grouped by thread name, to split the stack's one process into its parts.
 */
final class ProcessCpu {
  /** Linux reports these times in clock ticks of USER_HZ, 100 a second on every architecture it runs on. */
  private static final double TICKS_PER_SECOND = 100;

  private ProcessCpu() {}

  /** CPU of {@code pid} in nanoseconds, or empty if it has gone or this is not Linux. */
  static Optional<Long> nanos(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc", String.valueOf(pid), "stat"));
      // The command name, in parentheses, may hold spaces: count fields after its closing one (field 2).
      String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      long ticks = 0;
      for (int field = 14; field <= 17; field++) { // utime, stime, cutime, cstime
        ticks += Long.parseLong(fields[field - 3]);
      }
      return Optional.of((long) (ticks / TICKS_PER_SECOND * 1e9));
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  /** This JVM's CPU in nanoseconds (the JVM's own count, which needs no /proc). */
  static long selfNanos() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
  }

  /** CPU of {@code pid} and every live process below it (a postmaster and its backends), in nanoseconds. */
  static Optional<Long> treeNanos(long pid) {
    Optional<Long> root = nanos(pid);
    if (root.isEmpty()) {
      return root;
    }
    long total = root.get();
    for (ProcessHandle child : ProcessHandle.of(pid).map(p -> p.descendants().toList()).orElse(java.util.List.of())) {
      total += nanos(child.pid()).orElse(0L);
    }
    return Optional.of(total);
  }

  /**
   * CPU so far of this JVM's live threads, grouped by name with numbers taken out ({@code kafka-producer-network-thread
   * | x-StreamThread-1-producer} and {@code -2-} count together).
   */
  static Map<String, Long> threadGroups() {
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    Map<String, Long> groups = new HashMap<>();
    for (long id : threads.getAllThreadIds()) {
      var info = threads.getThreadInfo(id);
      long cpu = threads.getThreadCpuTime(id);
      if (info != null && cpu > 0) {
        groups.merge(group(info.getThreadName()), cpu, Long::sum);
      }
    }
    return groups;
  }

  static String group(String threadName) {
    String name = threadName.replaceAll("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "*")
        .replaceAll("\\d+", "N");
    return name.length() > 80 ? name.substring(0, 80) : name;
  }

  /** Cores used by each thread group between two snapshots, the busiest {@code top} first. */
  static Map<String, Double> busiest(Map<String, Long> before, Map<String, Long> after, double seconds, int top) {
    Map<String, Double> cores = new LinkedHashMap<>();
    after.entrySet().stream()
        .map(e -> Map.entry(e.getKey(), e.getValue() - before.getOrDefault(e.getKey(), 0L)))
        .filter(e -> e.getValue() > 0)
        .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
        .limit(top)
        .forEach(e -> cores.put(e.getKey(), Math.round(e.getValue() / 1e9 / seconds * 100) / 100.0));
    return cores;
  }
}
