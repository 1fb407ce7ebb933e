package org.jmmap;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Spliterator;
import java.util.function.IntToLongFunction;
import java.util.random.RandomGenerator;
import java.util.random.RandomGeneratorFactory;
import java.util.regex.MatchResult;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link Mmap#matches(Pattern)} with its literal prefilter reports exactly what a plain {@link
 * Matcher#find()} loop over the whole view reports, and what the windowed search without the
 * prefilter reports, for many patterns and flags, over random data with the literals planted, in
 * windows small enough that matches cross their edges.
 */
class MatchesPrefilterTest {
  @TempDir Path dir;

  /** Pieces of the random data: the literals the patterns look for, near misses, and fillers. */
  private static final String[] TOKENS = {
    "ERROR",
    "ERROR ",
    "ERROR  [worker-",
    "ERROR [worker-7] req=0badc0de",
    "ERROR   [worker-42] req=deadbeef",
    "ERROR [worker-] req=deadbeef",
    "ERRO",
    "error",
    "Error",
    "eRRoR",
    "Error [worker-",
    "E RROR",
    "RROR",
    "[worker-",
    "[WORKER-3]",
    "] req=",
    "0123456789abcdef",
    "\n",
    "\r\n",
    "\r",
    " ",
    "-",
    "|",
    "a.b",
    "a",
    "\u00e9",
    "\u00e9\u00ff",
    "\u00ff",
    "\u00b5",
    "K",
    "k",
    "\u0085",
    "\t",
    "INFO worker-3 ",
  };

  /** Patterns whose matches and lookaround are short (at most 40 chars) in the random data. */
  private static final List<Pattern> PATTERNS =
      List.of(
          Pattern.compile("ERROR +\\[worker-(\\d+)\\] req=([0-9a-f]{8})"),
          Pattern.compile("ERROR"),
          Pattern.compile("E"),
          Pattern.compile("ERROR {1,4}"),
          Pattern.compile("ERR(OR)?"),
          Pattern.compile("ERROR\\b"),
          Pattern.compile("ERROR(?= \\[)"),
          Pattern.compile("ERROR."),
          Pattern.compile("ERROR.", Pattern.DOTALL),
          Pattern.compile("ERROR.", Pattern.UNIX_LINES),
          Pattern.compile("ERROR$"),
          Pattern.compile("ERROR$", Pattern.MULTILINE),
          Pattern.compile("ERROR\\s*$", Pattern.MULTILINE),
          Pattern.compile("^ERROR"),
          Pattern.compile("^ERROR", Pattern.MULTILINE),
          Pattern.compile("\n^ERROR", Pattern.MULTILINE),
          Pattern.compile("E(?<=\nE)RROR"),
          Pattern.compile("RROR(?<!ERROR)"),
          Pattern.compile("R(?<=(?:ERR|RR|\\w\\w\\w)R)OR"),
          Pattern.compile("ERROR|error"),
          Pattern.compile("ERR(OR|or)"),
          Pattern.compile("(ERROR|\\[worker-)(\\d{0,3})"),
          Pattern.compile("E*RROR"),
          Pattern.compile("E+RROR"),
          Pattern.compile("E?RROR"),
          Pattern.compile("E{1,2}RROR"),
          Pattern.compile("ER{2}OR"),
          Pattern.compile("ER{0,2}OR"),
          Pattern.compile("ERROR {0}\\["),
          Pattern.compile("ERROR +?\\[?"),
          Pattern.compile("ERROR ++\\["),
          Pattern.compile("ERRORx?"),
          Pattern.compile("ERROR ??\\["),
          Pattern.compile("\\Q[worker-\\E(\\d{1,3})"),
          Pattern.compile("\\Q] req=\\E[0-9a-f]{1,8}"),
          Pattern.compile("\\QERR\\E*OR"),
          Pattern.compile("E\\Q\\E*RROR"),
          Pattern.compile("\\Qa.b|\\E"),
          Pattern.compile("a.b", Pattern.LITERAL),
          Pattern.compile("a.b"),
          Pattern.compile("ERROR", Pattern.LITERAL | Pattern.CASE_INSENSITIVE),
          Pattern.compile("error", Pattern.CASE_INSENSITIVE),
          Pattern.compile("\\[worker-\\d{1,3}\\]", Pattern.CASE_INSENSITIVE),
          Pattern.compile("] REQ=", Pattern.CASE_INSENSITIVE),
          Pattern.compile("\u00b5", Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE),
          Pattern.compile("\u039c", Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE),
          Pattern.compile("\u0178\u00e9", Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE),
          Pattern.compile("\u212a", Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE),
          Pattern.compile("(?i)error"),
          Pattern.compile("ERROR(?i) \\[WORKER"),
          Pattern.compile("ERROR(?-i) \\[worker", Pattern.CASE_INSENSITIVE),
          Pattern.compile("E R(?-x)ROR", Pattern.COMMENTS),
          Pattern.compile("\u00e9{1,3}\u00ff?"),
          Pattern.compile("\\xe9\\xff"),
          Pattern.compile("\u00e9."),
          Pattern.compile("\u0085."),
          Pattern.compile("\\t\\n?"),
          Pattern.compile("\\|"),
          Pattern.compile("\\-\\d"),
          Pattern.compile("ERROR #c", Pattern.COMMENTS),
          Pattern.compile("x*"),
          Pattern.compile("(?=ERROR)"),
          Pattern.compile("ERROR()"),
          Pattern.compile("E(R)\\1OR"),
          Pattern.compile("\\bK\\b"),
          Pattern.compile("K\\b"),
          Pattern.compile("ERROR[^\n]{0,30}"),
          Pattern.compile("ERROR[^\n]{0,30}?\\|"),
          Pattern.compile("ERROR(?=[^|]{0,30}\\|)"),
          Pattern.compile("ERROR(?![^|]{0,30}\\|)"),
          Pattern.compile("a.b(?<=\\|.{0,20})"));

  /** {@return every match as text: offsets and text of the whole match and each group} */
  private static List<String> plain(Pattern p, CharSequence s) {
    List<String> out = new ArrayList<>();
    Matcher m = p.matcher(s);
    while (m.find()) {
      out.add(line(m, m::start, m::end));
    }
    return out;
  }

  private static List<String> describe(Stream<MmapMatch> matches) {
    return matches.map(m -> line(m, m::startOffset, m::endOffset)).toList();
  }

  /** {@return one match as text, its offsets read through {@code start} and {@code end}} */
  private static String line(MatchResult m, IntToLongFunction start, IntToLongFunction end) {
    StringBuilder b = new StringBuilder();
    for (int g = 0; g <= m.groupCount(); g++) {
      b.append(start.applyAsLong(g))
          .append('-')
          .append(end.applyAsLong(g))
          .append('=')
          .append(m.group(g))
          .append(';');
    }
    return b.toString();
  }

  private static byte[] data(RandomGenerator r, int n) {
    StringBuilder b = new StringBuilder(n + 64);
    while (b.length() < n) {
      b.append(TOKENS[r.nextInt(TOKENS.length)]);
    }
    b.setLength(n);
    return b.toString().getBytes(ISO_8859_1);
  }

  private Path file(byte[] content) throws IOException {
    return Files.write(Files.createTempFile(dir, "matches", ".txt"), content);
  }

  /**
   * Compares the windowed search with and without the prefilter, and with a plain matcher over the
   * whole view, for every pattern over {@code m}.
   */
  private static void compareAll(Mmap m, long window, long overlap, String context) {
    compareAll(m, window, overlap, WindowedMatches.BLOCK, context);
  }

  private static void compareAll(Mmap m, long window, long overlap, int block, String context) {
    for (Pattern p : PATTERNS) {
      String what =
          context
              + ", pattern /"
              + p.pattern()
              + "/ flags "
              + p.flags()
              + ", window "
              + window
              + ", overlap "
              + overlap
              + ", block "
              + block;
      List<String> expected = plain(p, m.asCharSequence());
      assertEquals(expected, describe(m.matches(p, window, overlap, true, block)), what);
      assertEquals(expected, describe(m.matches(p, window, overlap, false)), what);
      // searched in chunks of a few bytes, split by hand and in a parallel stream
      long chunk = 1 + Math.floorMod(expected.hashCode() + p.pattern().hashCode(), 40);
      assertEquals(
          expected, describe(chunks(m.matches(p, window, overlap, true, block, chunk))), what);
      assertEquals(
          expected,
          describe(m.matches(p, window, overlap, false, block, chunk + 7).parallel()),
          what + ", chunk " + (chunk + 7));
    }
  }

  /** {@return the matches of {@code s}, split into chunks until none is left, in order} */
  private static Stream<MmapMatch> chunks(Stream<MmapMatch> s) {
    Spliterator<MmapMatch> rest = s.spliterator();
    List<MmapMatch> out = new ArrayList<>();
    for (Spliterator<MmapMatch> b = rest.trySplit(); b != null; b = rest.trySplit()) {
      b.forEachRemaining(out::add);
    }
    rest.forEachRemaining(out::add);
    return out.stream();
  }

  @Test
  void thePrefixIsOnlyWhatEveryMatchMustStartWith() {
    Object[][] cases = {
      {"ERROR +\\[worker-(\\d+)\\] req=([0-9a-f]{8})", 0, "ERROR "},
      {"ERROR \\[", 0, "ERROR ["},
      {"ab*", 0, "a"},
      {"ab+", 0, "ab"},
      {"ab++", 0, "ab"},
      {"ab+?", 0, "ab"},
      {"ab?", 0, "a"},
      {"ab??", 0, "a"},
      {"ab{2}", 0, "ab"},
      {"ab{1,}c", 0, "ab"},
      {"ab{0,2}", 0, "a"},
      {"ab{00}", 0, "a"},
      {"ab{10}", 0, "ab"},
      {"a{2}", 0, "a"},
      {"a{0}b", 0, null},
      {"a\\Q\\E+", 0, "a"},
      {"\\Qab\\E{3}c", 0, "ab"},
      {"a\\Q.b\\E*", 0, "a."},
      {"a\\Q.b\\Ec", 0, "a.bc"},
      {"E\\Q\\E*", 0, null},
      {"a\\Q|\\E", 0, "a|"},
      {"ab|cd", 0, null},
      {"ab(c|d)", 0, null},
      {"[|]ab", 0, null},
      {"ab\\|", 0, "ab|"},
      {"ab\\\\|c", 0, null},
      {"(?i)ab", 0, null},
      {"ab(?i)c", 0, null},
      {"ab(?-i)c", Pattern.CASE_INSENSITIVE, null},
      {"a b(?-x)c", Pattern.COMMENTS, null},
      {"ab(?<n>c)", 0, "ab"},
      {"ab(?:c)", 0, "ab"},
      {"12:ab", Pattern.CASE_INSENSITIVE, "12:"},
      {"\u00e9", Pattern.CASE_INSENSITIVE, null},
      {"a.b", Pattern.LITERAL, "a.b"},
      {"x.b", Pattern.LITERAL | Pattern.CASE_INSENSITIVE, null},
      {"-.b", Pattern.LITERAL | Pattern.CASE_INSENSITIVE, "-."},
      {"ab", Pattern.COMMENTS, null},
      {"ab", Pattern.CANON_EQ, null},
      {"\\x41\\t\\n", 0, "A\t\n"},
      {"\\x{41}", 0, null},
      {"\\u0041", 0, null},
      {"\\0101", 0, null},
      {"\u00e9\u00ff", 0, "\u00e9\u00ff"},
      {"a\u0100", 0, "a"},
      {"^ab", 0, null},
      {"\\bab", 0, null},
      {".ab", 0, null},
      {"ab.", 0, "ab"},
      {"ab[c]", 0, "ab"},
      {"ab(c)", 0, "ab"},
      {"ab$", 0, "ab"},
      {"a#b c", 0, "a#b c"},
      {"a]", 0, "a"},
    };
    for (Object[] c : cases) {
      Pattern p = Pattern.compile((String) c[0], (Integer) c[1]);
      byte[] got = LiteralPrefix.of(p);
      String want = (String) c[2];
      assertEquals(
          want, got == null ? null : new String(got, ISO_8859_1), "pattern /" + c[0] + "/");
    }
  }

  @Test
  void prefilteredMatchesAreThoseOfAPlainMatcherAcrossWindowEdges() throws IOException {
    long seed = System.nanoTime();
    RandomGenerator r = RandomGeneratorFactory.of("L64X128MixRandom").create(seed);
    for (int round = 0; round < 6; round++) {
      byte[] d = data(r, 500 + r.nextInt(4000));
      try (Mmap m = Mmap.map(file(d), 0, Access.READ)) {
        long overlap = 48 + r.nextInt(80);
        long window = 1 + r.nextInt(round < 3 ? 64 : 600);
        int block = 1 + r.nextInt(round % 2 == 0 ? 16 : 400);
        compareAll(m, window, overlap, block, "seed " + seed + ", round " + round);
      }
    }
  }

  @Test
  void aWindowLargerThanTheMapGivesThePlainMatches() throws IOException {
    long seed = System.nanoTime();
    RandomGenerator r = RandomGeneratorFactory.of("L64X128MixRandom").create(seed);
    byte[] d = data(r, 20_000);
    try (Mmap m = Mmap.map(file(d), 0, Access.READ)) {
      compareAll(m, 256L << 20, Mmap.MATCH_OVERLAP, "seed " + seed);
    }
  }

  /** Every kind of map that {@link MapKindsTest} covers, each holding {@code d}. */
  private List<Mmap> everyKind(byte[] d) throws IOException {
    List<Mmap> maps = new ArrayList<>();
    maps.add(Mmap.map(file(d), 0, Access.WRITE));
    maps.add(Mmap.map(file(d), d.length, Access.DEFAULT));
    maps.add(Mmap.map(file(d), 0, Access.COPY));
    maps.add(Mmap.map(file(d), 0, Access.READ));
    maps.add(Mmap.options().prot(Mmap.PROT_READ).map(file(d)));
    maps.add(Mmap.options().flags(Mmap.MAP_PRIVATE).map(file(d)));
    maps.add(Mmap.options().populate(true).trackFd(false).map(file(d)));
    Path f = Files.createTempFile(dir, "offset", ".txt");
    try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
      raf.write(new byte[Mmap.PAGESIZE]);
      raf.write(d);
      raf.write("ERROR".getBytes(ISO_8859_1)); // after the map: never matched
    }
    maps.add(Mmap.map(f, d.length, Access.WRITE, Mmap.PAGESIZE));
    try (FileChannel ch = FileChannel.open(file(d), StandardOpenOption.READ)) {
      maps.add(Mmap.map(ch, 0, Access.READ, 0));
    }
    Mmap shared = Mmap.anonymous(d.length);
    shared.write(d);
    maps.add(shared);
    Mmap priv = Mmap.options().flags(Mmap.MAP_PRIVATE).anonymous(d.length);
    priv.write(d);
    maps.add(priv);
    return maps;
  }

  @Test
  void everyKindOfMapGivesThePlainMatches() throws IOException {
    long seed = System.nanoTime();
    RandomGenerator r = RandomGeneratorFactory.of("L64X128MixRandom").create(seed);
    byte[] d = data(r, 3000);
    for (Mmap m : everyKind(d)) {
      try (m) {
        compareAll(m, 1 + r.nextInt(200), 64, 1 + r.nextInt(100), "seed " + seed + ", " + m);
      }
    }
    try (SharedMemory s = SharedMemory.create(null, d.length)) {
      try {
        s.mmap().write(d);
        compareAll(s.mmap(), 1 + r.nextInt(200), 64, "seed " + seed + ", " + s);
      } finally {
        s.unlink();
      }
    }
  }

  @Test
  void theBenchmarkPatternFindsEveryPlantedLineAtItsOffset() throws IOException {
    long seed = System.nanoTime();
    RandomGenerator r = RandomGeneratorFactory.of("L64X128MixRandom").create(seed);
    StringBuilder b = new StringBuilder();
    List<Long> planted = new ArrayList<>();
    while (b.length() < 200_000) {
      if (r.nextInt(8) == 0) {
        planted.add((long) b.length());
        b.append(
            String.format(
                java.util.Locale.ROOT,
                "ERROR %s[worker-%d] req=%08x\n",
                " ".repeat(r.nextInt(3)),
                r.nextInt(100),
                r.nextInt()));
      } else {
        b.append(r.nextBoolean() ? "ERROR worker-3 req=1\n" : "INFO [worker-1] req=00000000\n");
      }
    }
    try (Mmap m = Mmap.map(file(b.toString().getBytes(ISO_8859_1)), 0, Access.READ)) {
      Pattern p = Pattern.compile("ERROR +\\[worker-(\\d+)\\] req=([0-9a-f]{8})");
      List<Long> found = m.matches(p, 1 + r.nextInt(5000), 64).map(MmapMatch::startOffset).toList();
      assertEquals(planted, found, "seed " + seed);
    }
  }

  @Test
  void closingTheMapWhileIteratingThrowsIllegalStateException() throws IOException {
    byte[] d = "ERROR a ERROR b ERROR c".getBytes(ISO_8859_1);
    for (boolean prefilter : new boolean[] {true, false}) {
      Mmap m = Mmap.map(file(d), 0, Access.READ);
      Iterator<MmapMatch> it = m.matches(Pattern.compile("ERROR"), 4, 2, prefilter).iterator();
      assertEquals(0, it.next().startOffset(), "prefilter " + prefilter);
      m.close();
      assertThrows(IllegalStateException.class, it::hasNext, "prefilter " + prefilter);
    }
  }

  /** Matches of a block already read may still come; the next block throws. */
  @Test
  void closingTheMapWhileIteratingThrowsBeforeTheNextBlock() throws IOException {
    byte[] d =
        ("ERROR " + ".".repeat(94)).repeat(3 * WindowedMatches.BLOCK / 100).getBytes(ISO_8859_1);
    for (boolean prefilter : new boolean[] {true, false}) {
      Mmap m = Mmap.map(file(d), 0, Access.READ);
      Iterator<MmapMatch> it = m.matches(Pattern.compile("ERROR ")).iterator();
      assertEquals(0, it.next().startOffset(), "prefilter " + prefilter);
      m.close();
      int[] more = {0};
      assertThrows(
          IllegalStateException.class,
          () -> {
            while (it.hasNext()) {
              it.next();
              more[0]++;
            }
          },
          "prefilter " + prefilter);
      assertTrue(more[0] <= WindowedMatches.BLOCK / 100, more[0] + " matches after close");
    }
  }

  @Test
  void resizingTheMapWhileIteratingThrowsIllegalStateException() throws IOException {
    byte[] d = "ERROR a ERROR b ERROR c".getBytes(ISO_8859_1);
    for (boolean prefilter : new boolean[] {true, false}) {
      try (Mmap m = Mmap.map(file(d), 0, Access.WRITE)) {
        Iterator<MmapMatch> it = m.matches(Pattern.compile("ERROR"), 4, 2, prefilter).iterator();
        assertEquals(0, it.next().startOffset(), "prefilter " + prefilter);
        m.resize(d.length + 10);
        assertThrows(IllegalStateException.class, it::hasNext, "prefilter " + prefilter);
      }
    }
  }

  /** The prefilter reads a block ahead (here a page), so the truncation must lie past it. */
  @Test
  void aFileTruncatedWhileMatchingGivesMmapFaultException() throws IOException {
    int ps = Mmap.PAGESIZE;
    byte[] d = new byte[4 * ps];
    java.util.Arrays.fill(d, (byte) 'a');
    byte[] hit = "ERROR".getBytes(ISO_8859_1);
    System.arraycopy(hit, 0, d, 10, hit.length);
    System.arraycopy(hit, 0, d, 3 * ps + 10, hit.length);
    for (boolean prefilter : new boolean[] {true, false}) {
      Path f = file(d);
      try (Mmap m = Mmap.map(f, 0, Access.READ)) {
        Iterator<MmapMatch> it =
            m.matches(Pattern.compile("ERROR"), Mmap.MATCH_OVERLAP, 64, prefilter, ps).iterator();
        assertEquals(10, it.next().startOffset(), "prefilter " + prefilter);
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE)) {
          ch.truncate(ps);
        }
        MmapFaultException e =
            assertThrows(MmapFaultException.class, it::hasNext, "prefilter " + prefilter);
        assertTrue(e.getMessage().contains(String.valueOf(ps)), e.getMessage());
      }
    }
  }

  @Test
  void aMatchResultNeedsNoCast() throws IOException {
    byte[] d = "x ERROR y".getBytes(ISO_8859_1);
    try (Mmap m = Mmap.map(file(d), 0, Access.READ)) {
      MmapMatch first = m.matches(Pattern.compile("ERROR")).findFirst().orElseThrow();
      assertArrayEquals(new long[] {2, 7}, new long[] {first.startOffset(), first.endOffset()});
    }
  }
}
