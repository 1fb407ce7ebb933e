package org.jmmap;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.random.RandomGenerator;
import java.util.random.RandomGeneratorFactory;
import java.util.regex.MatchResult;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Each {@link MmapMatch} of {@link Mmap#matches(Pattern)} answers every method of {@link
 * MatchResult} as the {@link Matcher#toMatchResult()} of a plain matcher over the same text answers
 * it for the same match: values, and the type of every exception (and its message for a group
 * name), named groups included, on every kind of map, with and without the literal prefilter.
 */
class MatchResultContractTest {
  private static final long SEED = 20261128;
  private static final byte[] CONTENT = logText(SEED);
  private static final String TEXT = new String(CONTENT, ISO_8859_1);

  /** Named groups, optional groups that do not take part, lookbehind, with and without a prefix. */
  private static final List<Pattern> PATTERNS =
      List.of(
          Pattern.compile(
              "(?<level>ERROR|WARN) +\\[worker-(?<id>\\d+)\\]( req=(?<req>[0-9a-f]{8}))?"),
          Pattern.compile("ERROR +\\[worker-(?<id>\\d+)\\](?: req=(?<req>[0-9a-f]{8}))?"),
          Pattern.compile("ERROR +\\[worker-(\\d+)\\]( req=([0-9a-f]{8}))?"),
          Pattern.compile("(?<=ERROR )\\[worker-(\\d*)\\]"),
          Pattern.compile("(?<word>[a-z]+)|(?<number>\\d+)"));

  /** Names that some pattern has, one that none has, and none at all. */
  private static final List<String> NAMES =
      List.of("level", "id", "req", "word", "number", "nope", "");

  @TempDir Path dir;
  private final List<AutoCloseable> opened = new ArrayList<>();

  @AfterEach
  void closeMaps() throws Exception {
    MapKind.closeAll(opened);
  }

  /** {@return log-like lines, some of them with every optional part, some with none} */
  static byte[] logText(long seed) {
    RandomGenerator r = RandomGeneratorFactory.of("L64X128MixRandom").create(seed);
    StringBuilder b = new StringBuilder();
    while (b.length() < 2 * Mmap.PAGESIZE) {
      String worker = r.nextBoolean() ? Integer.toString(r.nextInt(100)) : "";
      String level = List.of("ERROR", "ERROR  ", "WARN", "INFO").get(r.nextInt(4));
      b.append(level).append(" [worker-").append(worker).append(']');
      if (r.nextBoolean()) {
        b.append(" req=").append(String.format("%08x", r.nextInt()));
      }
      b.append(r.nextBoolean() ? " done\n" : "\n");
    }
    return b.toString().getBytes(ISO_8859_1);
  }

  /** {@return what {@code call} returned, or the type and message of what it threw} */
  private static String outcome(Callable<?> call, boolean withMessage) {
    try {
      Object value = call.call();
      if (value instanceof Map<?, ?> map) {
        value = new TreeMap<>(map); // in order: two equal maps may iterate differently
      }
      return "returned " + Objects.toString(value);
    } catch (Exception e) {
      return "threw " + e.getClass().getName() + (withMessage ? ": " + e.getMessage() : "");
    }
  }

  private static void assertSameAnswers(
      MatchResult expected, MmapMatch actual, boolean everything, String why) {
    List<String> e = answers(expected, everything);
    List<String> a = answers(actual, everything);
    for (int i = 0; i < e.size(); i++) {
      assertEquals(e.get(i), a.get(i), why + ": answer #" + i);
    }
    assertEquals(e.size(), a.size(), why);
  }

  /**
   * {@return the answer to every method of {@code r}, for its groups and names}, and if {@code
   * everything}, for the group numbers around them and the names it does not have (which throw, and
   * take most of the time)
   */
  private static List<String> answers(MatchResult r, boolean everything) {
    List<String> out = new ArrayList<>();
    out.add(outcome(r::hasMatch, true));
    out.add(outcome(r::start, true));
    out.add(outcome(r::end, true));
    out.add(outcome(r::group, true));
    out.add(outcome(r::groupCount, true));
    out.add(outcome(r::namedGroups, true));
    int around = everything ? 1 : 0;
    for (int g = -around; g <= r.groupCount() + around; g++) {
      int group = g;
      boolean exists = g >= 0 && g <= r.groupCount(); // jmmap names the count in its message
      out.add(outcome(() -> r.start(group), exists));
      out.add(outcome(() -> r.end(group), exists));
      out.add(outcome(() -> r.group(group), exists));
    }
    List<String> names =
        everything
            ? Stream.concat(NAMES.stream(), Stream.of((String) null)).toList()
            : List.copyOf(r.namedGroups().keySet());
    for (String name : names) {
      out.add(outcome(() -> r.start(name), true));
      out.add(outcome(() -> r.end(name), true));
      out.add(outcome(() -> r.group(name), true));
    }
    return out;
  }

  @ParameterizedTest
  @EnumSource(MapKind.class)
  void everyMatchAnswersAsMatcherToMatchResultDoesNamedGroupsIncluded(MapKind kind)
      throws IOException {
    Mmap m = kind.open(dir, CONTENT, opened);
    for (Pattern p : PATTERNS) {
      for (boolean prefilter : new boolean[] {true, false}) {
        String why = kind + " /" + p + "/ prefilter=" + prefilter + " seed=" + SEED;
        Matcher plain = p.matcher(TEXT);
        Iterator<MmapMatch> found = m.matches(p, 1000, 64, prefilter).iterator();
        int n = 0;
        while (plain.find()) {
          assertTrue(found.hasNext(), why + ": no match " + n);
          MmapMatch actual = found.next();
          assertSameAnswers(plain.toMatchResult(), actual, n % 16 == 0, why + " match " + n);
          n++;
        }
        assertTrue(n > 10, why + ": too few matches to compare: " + n);
        assertEquals(false, found.hasNext(), why + ": more matches than the plain matcher's");
      }
    }
  }

  @ParameterizedTest
  @EnumSource(MapKind.class)
  void aMatchHandedOutBeforeTheMapClosedStillAnswersEveryMethod(MapKind kind) throws IOException {
    Mmap m = kind.open(dir, CONTENT, opened);
    Pattern p = PATTERNS.getFirst();
    MmapMatch first = m.matches(p).findFirst().orElseThrow();
    m.close();
    Matcher plain = p.matcher(TEXT);
    assertTrue(plain.find(), kind.toString());
    assertSameAnswers(plain.toMatchResult(), first, true, kind + " after close");
  }
}
