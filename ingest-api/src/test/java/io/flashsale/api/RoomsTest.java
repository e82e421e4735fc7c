package io.flashsale.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The API's rooms depend one way: a room uses only the rooms before it in {@link #ORDER}, and no route class calls
 * another (what two rooms' routes share is a class of its own). Read from the imports and the code of src/main.
 */
class RoomsTest {
  private static final Path MAIN = Path.of("src/main/java/io/flashsale/api");
  /** From the plumbing every room uses to the wiring that uses every room ("root": io.flashsale.api itself). */
  private static final List<String> ORDER = List.of("http", "pages", "log", "access", "sale", "waitingroom", "fairness",
      "orderurl", "purchase", "payment", "cart", "admin", "root");
  private static final Pattern IMPORT = Pattern.compile("^import (?:static )?(io\\.flashsale\\.api\\.[\\w.]+);",
      Pattern.MULTILINE);
  private static final Pattern ROUTES = Pattern.compile("\\b(\\w+Routes)\\b");

  @Test
  void everyRoomUsesOnlyTheRoomsBeforeIt() throws IOException {
    List<String> against = new ArrayList<>();
    for (Path file : sources()) {
      String room = room(file);
      assertThat(ORDER).as("the room of %s", file).contains(room);
      Matcher imported = IMPORT.matcher(Files.readString(file));
      while (imported.find()) {
        String target = roomOf(imported.group(1));
        if (ORDER.indexOf(target) > ORDER.indexOf(room)) {
          against.add(MAIN.relativize(file) + " (" + room + ") imports " + imported.group(1) + " (" + target + ")");
        }
      }
    }
    assertThat(against).as("imports against the rooms' order " + ORDER).isEmpty();
  }

  @Test
  void noRouteClassCallsAnother() throws IOException {
    List<String> calls = new ArrayList<>();
    for (Path file : sources()) {
      String name = file.getFileName().toString().replace(".java", "");
      if (!name.endsWith("Routes") || room(file).equals("root")) {
        continue; // the root's table names every route class: that is its job
      }
      Matcher named = ROUTES.matcher(Files.readString(file));
      while (named.find()) {
        if (!named.group(1).equals(name)) {
          calls.add(name + " names " + named.group(1));
        }
      }
    }
    assertThat(calls).isEmpty();
  }

  /** A class longer than this does more than one job; 250 was the bound when the API left its one package. */
  private static final int MOST_LINES = 250;

  @Test
  void noClassIsLongerThanOneJob() throws IOException {
    List<String> tooLong = new ArrayList<>();
    for (Path file : sources()) {
      long lines = Files.readAllLines(file).size();
      if (lines > MOST_LINES) {
        tooLong.add(MAIN.relativize(file) + " (" + lines + " lines)");
      }
    }
    assertThat(tooLong).as("classes over %d lines", MOST_LINES).isEmpty();
  }

  private static List<Path> sources() throws IOException {
    try (Stream<Path> files = Files.walk(MAIN)) {
      List<Path> sources = files.filter(f -> f.toString().endsWith(".java")).toList();
      assertThat(sources).as("sources under %s", MAIN.toAbsolutePath()).hasSizeGreaterThan(40);
      return sources;
    }
  }

  private static String room(Path file) {
    Path relative = MAIN.relativize(file);
    return relative.getNameCount() == 1 ? "root" : relative.getName(0).toString();
  }

  /** The room of an imported name: its first package segment below io.flashsale.api, or the root for a class there. */
  private static String roomOf(String imported) {
    String first = imported.substring("io.flashsale.api.".length()).split("\\.")[0];
    return Character.isUpperCase(first.charAt(0)) ? "root" : first;
  }
}
