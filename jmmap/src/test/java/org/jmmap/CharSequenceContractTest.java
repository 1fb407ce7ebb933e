package org.jmmap;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.jmmap.MapContract.ThrowingRunnable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link Mmap#asCharSequence()} and {@link Mmap#asCharSequence(long, long)} keep the promises of
 * {@link CharSequence}'s javadoc on every kind of map, and, once the map is closed or resized to
 * another length, every method of a sequence taken before (and of its sub-sequences) throws {@link
 * IllegalStateException}: none hands out a length, a char or a string of a mapping that is gone.
 */
class CharSequenceContractTest {
  static final int LENGTH = 2 * Mmap.PAGESIZE + 100;
  private static final byte[] CONTENT = MapContract.data(LENGTH, 3);
  private static final String TEXT = new String(CONTENT, ISO_8859_1);

  @TempDir Path dir;
  private final List<AutoCloseable> opened = new ArrayList<>();

  @AfterEach
  void closeMaps() throws Exception {
    MapKind.closeAll(opened);
  }

  private Mmap map(MapKind kind) throws IOException {
    return kind.open(dir, CONTENT, opened);
  }

  @ParameterizedTest
  @EnumSource(MapKind.class)
  void everyMethodAgreesWithTheStringOfTheSameBytes(MapKind kind) throws IOException {
    Mmap m = map(kind);
    for (int[] range : new int[][] {{0, LENGTH}, {0, 0}, {7, 7}, {100, Mmap.PAGESIZE + 3}}) {
      CharSequence cs =
          range[0] == 0 && range[1] == LENGTH
              ? m.asCharSequence()
              : m.asCharSequence(range[0], range[1]);
      String expected = TEXT.substring(range[0], range[1]);
      String why = kind + " [" + range[0] + ", " + range[1] + ")";
      assertEquals(expected.length(), cs.length(), why);
      assertEquals(expected.isEmpty(), cs.isEmpty(), why);
      for (int i = 0; i < expected.length(); i += 37) {
        assertEquals(expected.charAt(i), cs.charAt(i), why + " at " + i);
      }
      assertThrows(IndexOutOfBoundsException.class, () -> cs.charAt(-1), why);
      assertThrows(IndexOutOfBoundsException.class, () -> cs.charAt(expected.length()), why);
      assertEquals(expected, cs.toString(), why);
      assertEquals(0, CharSequence.compare(expected, cs), why);
      assertEquals(expected.chars().sum(), cs.chars().sum(), why);
      int n = expected.length();
      assertEquals(expected.substring(n / 3, n / 2), cs.subSequence(n / 3, n / 2).toString(), why);
      assertEquals("", cs.subSequence(n, n).toString(), why);
      assertThrows(IndexOutOfBoundsException.class, () -> cs.subSequence(-1, 1), why);
      assertThrows(IndexOutOfBoundsException.class, () -> cs.subSequence(0, n + 1), why);
      assertThrows(IndexOutOfBoundsException.class, () -> cs.subSequence(n / 2 + 1, n / 2), why);
      assertEquals(
          Pattern.compile("c\n").matcher(expected).results().count(),
          Pattern.compile("c\n").matcher(cs).results().count(),
          why);
    }
  }

  @ParameterizedTest
  @EnumSource(MapKind.class)
  void afterCloseEveryMethodOfAnEarlierSequenceThrowsIllegalStateException(MapKind kind)
      throws IOException {
    Mmap m = map(kind);
    List<CharSequence> taken = taken(m);
    m.close();
    for (CharSequence cs : taken) {
      assertAllThrowIllegalStateException(cs, "closed", kind + ", map closed");
    }
  }

  @ParameterizedTest
  @MethodSource("org.jmmap.MapKind#resizable")
  void afterAShrinkingOrGrowingResizeEveryMethodOfAnEarlierSequenceThrowsIllegalState(MapKind kind)
      throws IOException {
    Mmap m = map(kind);
    for (long newLength : new long[] {Mmap.PAGESIZE + 10, 4L * Mmap.PAGESIZE}) {
      List<CharSequence> taken = taken(m);
      m.resize(newLength);
      for (CharSequence cs : taken) {
        assertAllThrowIllegalStateException(cs, "resize", kind + ", resized to " + newLength);
      }
      CharSequence fresh = m.asCharSequence();
      assertEquals(newLength, fresh.length(), kind + ": a sequence taken after the resize");
    }
  }

  /** {@return sequences of the whole map, of a range, and a sub-sequence of each} */
  private static List<CharSequence> taken(Mmap m) {
    CharSequence whole = m.asCharSequence();
    CharSequence range = m.asCharSequence(10, 50);
    return List.of(whole, range, whole.subSequence(1, 20), range.subSequence(2, 3));
  }

  private static void assertAllThrowIllegalStateException(
      CharSequence cs, String word, String why) {
    List<ThrowingRunnable> calls =
        List.of(
            cs::length,
            cs::isEmpty,
            () -> cs.charAt(0),
            () -> cs.subSequence(0, 1),
            cs::toString,
            () -> cs.chars().sum(),
            () -> Pattern.compile("a").matcher(cs).find());
    for (int i = 0; i < calls.size(); i++) {
      IllegalStateException e =
          assertThrows(IllegalStateException.class, calls.get(i)::run, why + ": call #" + i);
      assertTrue(e.getMessage().contains(word), why + ": call #" + i + ": " + e.getMessage());
    }
  }
}
