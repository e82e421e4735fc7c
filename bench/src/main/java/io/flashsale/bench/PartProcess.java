package io.flashsale.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.DataFormatException;
import org.HdrHistogram.Histogram;

/**
 * Each part of a bench run in a JVM of its own, as JMH forks each benchmark. In one JVM the live part ran after the
 * backlog and HTTP parts and measured about twice its own run's time to decision (p99 at 1,000/s 146 and 178 ms
 * against 81; the JVM's own GC and JIT threads 0.13 cores against 0.06): a part's figures must not depend on which
 * parts ran before it. The child writes its figures and histograms to a folder; the parent merges them.
 */
final class PartProcess {
  static final String RESULTS = "part-results.json";
  static final String HISTOGRAMS = "part-histograms.txt";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern RECORDING_FILE = Pattern.compile("filename=([^,]*?)(\\.jfr)?(?=,|$)");

  private PartProcess() {
  }

  /** The command that runs one part in a new JVM with this JVM's options and classpath. */
  static List<String> command(String part, boolean quick, Path output) {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    for (String option : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      command.add(ownRecording(option, part));
    }
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(BenchCommand.class.getName());
    if (quick) {
      command.add("--quick");
    }
    command.addAll(List.of("--only", part, "--part-output", output.toString()));
    return command;
  }

  /**
   * A JFR recording asked for in {@code JAVA_OPTS} is made by every part's JVM: each writes its own file
   * ({@code filename=b.jfr} becomes {@code b-backlog.jfr}), not over the others' and the run's own.
   */
  static String ownRecording(String option, String part) {
    if (!option.startsWith("-XX:StartFlightRecording")) {
      return option;
    }
    return RECORDING_FILE.matcher(option)
        .replaceFirst(match -> Matcher.quoteReplacement("filename=" + match.group(1) + "-" + part + ".jfr"));
  }

  /** Runs one part in its own JVM (its progress on this terminal) and merges what it measured into the run's. */
  static BenchResults run(String part, boolean quick, Path output, BenchResults results,
      Map<String, Histogram> histograms) throws IOException, InterruptedException {
    Files.createDirectories(output);
    int exit = new ProcessBuilder(command(part, quick, output)).inheritIO().start().waitFor();
    if (!Files.exists(output.resolve(RESULTS))) {
      results.note(part + " failed: its JVM exited with " + exit + " before it wrote its figures");
      return results;
    }
    return merge(results, histograms, output);
  }

  /** The child's side: what its part measured, for {@link #merge}. */
  static void write(Path output, BenchResults results, Map<String, Histogram> histograms) throws IOException {
    StringBuilder lines = new StringBuilder();
    for (Map.Entry<String, Histogram> entry : histograms.entrySet()) {
      ByteBuffer buffer = ByteBuffer.allocate(entry.getValue().getNeededByteBufferCapacity());
      int length = entry.getValue().encodeIntoCompressedByteBuffer(buffer);
      lines.append(entry.getKey()).append('\t')
          .append(Base64.getEncoder().encodeToString(Arrays.copyOf(buffer.array(), length))).append('\n');
    }
    Files.writeString(output.resolve(HISTOGRAMS), lines);
    // Last, so that its presence says the part finished.
    JSON.writeValue(output.resolve(RESULTS).toFile(), results);
  }

  /**
   * The run's figures with one part's added: a figure the part measured replaces the run's null, lists (notes, rates)
   * are appended, maps (details, latency) take the part's keys; the peak resident memory is the largest of any JVM.
   */
  static BenchResults merge(BenchResults results, Map<String, Histogram> histograms, Path output) throws IOException {
    ObjectNode into = JSON.valueToTree(results);
    JsonNode part = JSON.readTree(output.resolve(RESULTS).toFile());
    part.fields().forEachRemaining(field -> {
      JsonNode value = field.getValue();
      JsonNode existing = into.get(field.getKey());
      if (value.isNull() || field.getKey().equals("machine")) {
        return;
      }
      if (value.isArray() && existing instanceof ArrayNode list) {
        list.addAll((ArrayNode) value);
      } else if (value.isObject() && existing instanceof ObjectNode map) {
        map.setAll((ObjectNode) value);
      } else if (field.getKey().equals("peak_rss_mb") && existing != null && existing.asDouble() >= value.asDouble()) {
        return;
      } else {
        into.set(field.getKey(), value);
      }
    });
    for (String line : Files.readAllLines(output.resolve(HISTOGRAMS))) {
      int tab = line.indexOf('\t');
      try {
        histograms.put(line.substring(0, tab), Histogram.decodeFromCompressedByteBuffer(
            ByteBuffer.wrap(Base64.getDecoder().decode(line.substring(tab + 1))), 0));
      } catch (DataFormatException e) {
        throw new IOException("Unreadable histogram " + line.substring(0, tab) + " in " + output, e);
      }
    }
    return JSON.treeToValue(into, BenchResults.class);
  }
}
