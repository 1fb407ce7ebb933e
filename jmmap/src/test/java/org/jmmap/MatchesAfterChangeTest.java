package org.jmmap;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Spliterator;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A stream of {@link Mmap#matches(Pattern)} taken before the map is closed or resized to another
 * length hands out no match after the change, though it may have found the next ones already (in a
 * heap copy of a block, or the match a {@code hasNext()} looked ahead for): the next element it is
 * asked for throws {@link IllegalStateException}, whichever thread asks. Each of the three ways of
 * searching is checked: with the literal prefilter (heap copies), without it (the matcher over the
 * map), and with a prefix and lookbehind (the search kernel over the map).
 */
class MatchesAfterChangeTest {
  /** Lines "ERROR n\n": about 25,000 matches, several blocks of the prefilter's heap copies. */
  private static final byte[] CONTENT = lines(25_000);

  @TempDir Path dir;
  private final List<AutoCloseable> opened = new ArrayList<>();

  @AfterEach
  void closeMaps() throws Exception {
    MapKind.closeAll(opened);
  }

  private static byte[] lines(int n) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < n; i++) {
      b.append("ERROR ").append(i).append('\n');
    }
    return b.toString().getBytes(ISO_8859_1);
  }

  /** The three ways the matches are searched for. */
  enum Search {
    PREFILTER(Pattern.compile("ERROR [0-9]+"), true),
    MATCHER_ONLY(Pattern.compile("ERROR [0-9]+"), false),
    KERNEL_WITH_LOOKBEHIND(Pattern.compile("ERROR (?<=R )[0-9]+"), true);

    final Pattern pattern;
    final boolean prefilter;

    Search(Pattern pattern, boolean prefilter) {
      this.pattern = pattern;
      this.prefilter = prefilter;
    }

    Stream<MmapMatch> in(Mmap m) {
      return m.matches(pattern, 256L << 20, Mmap.MATCH_OVERLAP, prefilter);
    }
  }

  /** What happens to the map, and the word the exception's message then has. */
  enum Change {
    CLOSE("closed"),
    SHRINK("resize"),
    GROW("resize");

    final String word;

    Change(String word) {
      this.word = word;
    }

    void apply(Mmap m) throws IOException {
      switch (this) {
        case CLOSE -> m.close();
        case SHRINK -> m.resize(Mmap.PAGESIZE);
        case GROW -> m.resize(CONTENT.length + 2L * Mmap.PAGESIZE);
      }
    }
  }

  /** How the stream is consumed: one match before the change, then more asked for after it. */
  enum Ask {
    ITERATOR_HAS_NEXT,
    ITERATOR_NEXT,
    TRY_ADVANCE,
    FOR_EACH_REMAINING,
    FOR_EACH_THAT_CHANGES_THE_MAP
  }

  private Mmap map(MapKind kind) throws IOException {
    return kind.open(dir, CONTENT, opened);
  }

  /** Takes one match, changes the map, and asks for more: nothing may come. */
  private void assertNothingAfter(MapKind kind, Change change) throws IOException {
    for (Search search : Search.values()) {
      for (Ask ask : Ask.values()) {
        String why = kind + " " + search + " " + change + " " + ask;
        Mmap m = map(kind);
        Stream<MmapMatch> s = search.in(m);
        List<MmapMatch> got = new ArrayList<>();
        MapContract.ThrowingRunnable rest =
            switch (ask) {
              case ITERATOR_HAS_NEXT, ITERATOR_NEXT -> {
                Iterator<MmapMatch> it = s.iterator();
                got.add(it.next());
                change.apply(m);
                yield ask == Ask.ITERATOR_NEXT ? () -> got.add(it.next()) : it::hasNext;
              }
              case TRY_ADVANCE, FOR_EACH_REMAINING -> {
                Spliterator<MmapMatch> sp = s.spliterator();
                assertTrue(sp.tryAdvance(got::add), why);
                change.apply(m);
                yield ask == Ask.TRY_ADVANCE
                    ? () -> sp.tryAdvance(got::add)
                    : () -> sp.forEachRemaining(got::add);
              }
              case FOR_EACH_THAT_CHANGES_THE_MAP ->
                  () ->
                      s.forEach(
                          x -> {
                            got.add(x);
                            if (got.size() == 1) {
                              try {
                                change.apply(m);
                              } catch (IOException e) {
                                throw new java.io.UncheckedIOException(e);
                              }
                            }
                          });
            };
        IllegalStateException e = assertThrows(IllegalStateException.class, rest::run, why);
        assertTrue(e.getMessage().contains(change.word), why + ": " + e.getMessage());
        assertEquals(1, got.size(), why + ": matches handed out after the change: " + got);
        assertEquals(0, got.getFirst().startOffset(), why);
      }
    }
  }

  @ParameterizedTest
  @EnumSource(MapKind.class)
  void afterCloseNoMatchComesOutOfAStreamTakenBefore(MapKind kind) throws IOException {
    assertNothingAfter(kind, Change.CLOSE);
  }

  @ParameterizedTest
  @MethodSource("org.jmmap.MapKind#resizable")
  void afterAShrinkingResizeNoMatchComesOutOfAStreamTakenBefore(MapKind kind) throws IOException {
    assertNothingAfter(kind, Change.SHRINK);
  }

  @ParameterizedTest
  @MethodSource("org.jmmap.MapKind#resizable")
  void afterAGrowingResizeNoMatchComesOutOfAStreamTakenBefore(MapKind kind) throws IOException {
    assertNothingAfter(kind, Change.GROW);
  }

  @ParameterizedTest
  @EnumSource(Search.class)
  void aBatchSplitOffForAnotherThreadHandsOutNothingAfterClose(Search search) throws IOException {
    Mmap m = map(MapKind.SHARED_FILE);
    Spliterator<MmapMatch> source = search.in(m).spliterator();
    Spliterator<MmapMatch> batch = source.trySplit();
    assertTrue(batch.tryAdvance(x -> {}), search.toString());
    m.close();
    assertThrows(IllegalStateException.class, () -> batch.tryAdvance(x -> {}), "" + search);
    assertThrows(IllegalStateException.class, () -> batch.forEachRemaining(x -> {}), "" + search);
    assertThrows(IllegalStateException.class, () -> source.tryAdvance(x -> {}), "" + search);
  }

  /** The consumer has taken a match, the owner closes, the consumer asks for the next one. */
  @ParameterizedTest
  @MethodSource("org.jmmap.MapKind#shared")
  void aConsumerInAnotherThreadGetsNothingOnceTheOwnerHasClosed(MapKind kind) throws Exception {
    for (Search search : Search.values()) {
      for (boolean iterator : new boolean[] {false, true}) {
        String why = kind + " " + search + (iterator ? " iterator" : " spliterator");
        Mmap m = map(kind);
        Spliterator<MmapMatch> sp = search.in(m).spliterator();
        Iterator<MmapMatch> it = java.util.Spliterators.iterator(sp);
        CountDownLatch took = new CountDownLatch(1);
        CountDownLatch closed = new CountDownLatch(1);
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        List<MmapMatch> after = new ArrayList<>();
        Thread consumer =
            Thread.ofPlatform()
                .start(
                    () -> {
                      try {
                        it.next();
                        took.countDown();
                        closed.await();
                        if (iterator) {
                          after.add(it.next());
                        } else {
                          sp.forEachRemaining(after::add);
                        }
                      } catch (Throwable e) {
                        thrown.set(e);
                      }
                    });
        took.await();
        m.close();
        closed.countDown();
        consumer.join();
        assertEquals(List.of(), after, why + ": matches after close");
        assertInstanceOf(IllegalStateException.class, thrown.get(), why + ": " + thrown.get());
      }
    }
  }

  /**
   * A consumer pulls matches as fast as it can while the owner closes the map at a random moment:
   * no match may come out of a call that started after {@code close()} had returned.
   */
  @Test
  void aConsumerRacingACloseGetsNoMatchFromACallThatStartedAfterIt() throws Exception {
    long seed = System.nanoTime();
    SplittableRandom rnd = new SplittableRandom(seed);
    for (int round = 0; round < 60; round++) {
      Search search = Search.values()[round % Search.values().length];
      String why = search + " round " + round + " seed=" + seed;
      Mmap m = map(round % 2 == 0 ? MapKind.SHARED_FILE : MapKind.SHARED_ANONYMOUS);
      Iterator<MmapMatch> it = search.in(m).iterator();
      AtomicBoolean closeReturned = new AtomicBoolean();
      AtomicReference<String> late = new AtomicReference<>();
      AtomicReference<Throwable> ended = new AtomicReference<>();
      CountDownLatch started = new CountDownLatch(1);
      Thread consumer =
          Thread.ofPlatform()
              .start(
                  () -> {
                    started.countDown();
                    try {
                      while (true) {
                        boolean wasClosed = closeReturned.get();
                        if (!it.hasNext()) {
                          break;
                        }
                        MmapMatch x = it.next();
                        if (wasClosed) {
                          late.compareAndSet(null, "match at " + x.startOffset() + " after close");
                        }
                      }
                    } catch (Throwable e) {
                      ended.set(e);
                    }
                  });
      started.await();
      long until = System.nanoTime() + rnd.nextInt(2000) * 1000L;
      while (System.nanoTime() < until) {
        Thread.onSpinWait();
      }
      m.close();
      closeReturned.set(true);
      consumer.join();
      assertNull(late.get(), why);
      if (ended.get() != null) {
        assertInstanceOf(IllegalStateException.class, ended.get(), why + ": " + ended.get());
      }
    }
  }

  /**
   * A parallel stream of a confined map's matches is refused in the thread that starts it, every
   * time and by every terminal operation, whichever thread would have pulled first.
   */
  @Test
  void aParallelStreamOfAConfinedMapsMatchesIsRefusedEveryTime() throws IOException {
    Mmap m = map(MapKind.CONFINED_FILE);
    List<Function<Stream<MmapMatch>, Object>> terminals =
        List.of(
            Stream::count,
            Stream::toList,
            s -> s.findFirst(),
            s -> s.anyMatch(x -> x.startOffset() < 0),
            s -> s.map(MmapMatch::startOffset).reduce(0L, Long::sum),
            s -> {
              s.forEach(x -> {});
              return null;
            });
    for (int round = 0; round < 100; round++) {
      for (Search search : Search.values()) {
        for (int t = 0; t < terminals.size(); t++) {
          String why = "round " + round + " " + search + " terminal #" + t;
          Stream<MmapMatch> s = search.in(m).parallel();
          Function<Stream<MmapMatch>, Object> terminal = terminals.get(t);
          UnsupportedOperationException e =
              assertThrows(UnsupportedOperationException.class, () -> terminal.apply(s), why);
          assertTrue(e.getMessage().contains("confined"), why + ": " + e.getMessage());
        }
      }
    }
    assertEquals(25_000, Search.PREFILTER.in(m).count(), "the sequential stream still works");
  }

  @ParameterizedTest
  @EnumSource(Search.class)
  void aParallelStreamOfASharedMapsMatchesHasTheSequentialOnes(Search search) throws IOException {
    Mmap m = map(MapKind.SHARED_FILE);
    List<Long> sequential = search.in(m).map(MmapMatch::startOffset).toList();
    assertEquals(25_000, sequential.size(), search.toString());
    assertEquals(sequential, search.in(m).parallel().map(MmapMatch::startOffset).toList());
  }
}
