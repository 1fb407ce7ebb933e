package org.jmmap;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jmmap.internal.map.Region;
import org.jmmap.internal.search.Search;

/**
 * The matches of a pattern over a whole map, however large, found window by window. Each window is
 * a zero-copy {@link MappedCharSequence} of {@code window} bytes plus {@code overlap} bytes of the
 * next window, plus up to {@code overlap} bytes before it as context for lookbehind. A window
 * reports the matches that start inside it; a match no longer than {@code overlap} therefore ends
 * inside the window that reports it, and is found whole and at the same offset as a search of the
 * whole map would find it.
 *
 * <p>When every match must start with known bytes ({@link LiteralPrefix}), the matcher tries only
 * where they occur, with {@link Matcher#lookingAt()} on a region that starts at the candidate and
 * transparent, non-anchoring bounds. A {@link Matcher#find()} tries the same match at each start in
 * turn, and could succeed only at a candidate, so both report the same matches. The candidates are
 * found and tried in heap copies of a block of the window with a few bytes of context, which costs
 * less per candidate than the map's view; a match that reads to the copy's end is tried again on
 * the view. A pattern with lookbehind, which may look back as far as the window, is searched in the
 * map itself with the search kernel.
 *
 * <p>The iterator works over the one segment that was live when it was made. Before it says that
 * there is a match, and before it hands one out, it checks that this segment is still the map's
 * live one, so that a match found in a heap copy is never handed out after the map was closed or
 * remapped.
 */
final class WindowedMatches implements Iterator<MmapMatch> {
  /** Candidates per heap copy: the copy stays in the second-level cache. */
  static final int BLOCK = 64 << 10;

  /** Bytes of context either side of a heap copy's candidates, at most. */
  static final int CONTEXT = 4096;

  private final Region map;
  private final Pattern pattern;
  private final Map<String, Integer> names;
  private final long window;
  private final long overlap;
  private final MemorySegment segment;
  private final long length;
  private final byte[] prefix; // null: try every start
  private final String needle; // the prefix as text
  private final boolean lookbehind;
  private final int block;
  private final int context;
  private final long until; // matches start before it
  private byte[] buffer;
  // a heap copy of [textBase, textEnd), for the candidates in [blockStart, blockEnd)
  private String text;
  private Matcher textMatcher;
  private long textBase;
  private long textEnd;
  private long blockStart;
  private long blockEnd;
  private long windowStart;
  private long searchFrom;
  private long lastEmptyAt = -1;
  private Matcher matcher;
  private long base;
  private long windowEnd;
  private MmapMatch next;
  private boolean done;

  WindowedMatches(
      Region map, Pattern pattern, long window, long overlap, boolean prefilter, int block) {
    this(map, map.segment(), pattern, window, overlap, prefilter, block, 0, Long.MAX_VALUE);
  }

  /**
   * The matches of the mapping {@code segment} that a search of the whole map finds after it has
   * reported every match that starts before {@code from} and none that ends after {@code from}: the
   * matches that start in [{@code from}, {@code until}), in the window the whole search would use
   * for each.
   */
  WindowedMatches(
      Region map,
      MemorySegment segment,
      Pattern pattern,
      long window,
      long overlap,
      boolean prefilter,
      int block,
      long from,
      long until) {
    this.map = map;
    this.prefix = prefilter ? LiteralPrefix.of(pattern) : null;
    this.needle = prefix == null ? null : new String(prefix, StandardCharsets.ISO_8859_1);
    // lookbehind may look back as far as a window does, a grapheme boundary a few chars; anything
    // else reads at most two chars before a match
    this.lookbehind = pattern.pattern().contains("(?<") || pattern.pattern().contains("\\b{");
    this.block = block;
    this.context = Math.min(CONTEXT, Math.max(8, block));
    this.pattern = pattern;
    this.names = pattern.namedGroups();
    this.window = window;
    this.overlap = overlap;
    this.segment = segment; // one generation: a concurrent resize makes it throw
    this.length = segment.byteSize();
    this.until = until;
    this.windowStart = windowOf(from, window, overlap, length);
    this.searchFrom = from;
    open();
  }

  /**
   * {@return the start of the window in which a search of the whole map looks for matches from
   * {@code at}}: the window that holds {@code at}, unless an earlier one already reaches the end of
   * the map (the last window reports every match to the end)
   */
  static long windowOf(long at, long window, long overlap, long length) {
    long start = Math.min(at, Math.max(0, length - 1)) / window * window;
    while (start > 0 && start - window + window + overlap >= length) {
      start -= window;
    }
    return start;
  }

  /** {@return whether {@link #next()} stops at matches that start at or past {@link #until}} */
  long until() {
    return until;
  }

  private void open() {
    windowEnd = Math.min(length, windowStart + window + overlap);
    base = Math.max(0, windowStart - overlap);
    searchFrom = Math.max(searchFrom, windowStart);
    matcher = pattern.matcher(MappedCharSequence.of(map, segment, base, windowEnd));
    matcher.useTransparentBounds(true).useAnchoringBounds(false);
    matcher.region((int) (Math.min(searchFrom, windowEnd) - base), (int) (windowEnd - base));
  }

  /**
   * {@inheritDoc}
   *
   * @throws IllegalStateException if the map was closed or remapped since this iterator was made
   */
  @Override
  public boolean hasNext() {
    boolean found;
    try {
      if (prefix == null) {
        found = hasNextAnywhere();
      } else {
        found = lookbehind ? hasNextCandidateInMap() : hasNextCandidate();
      }
    } catch (InternalError e) {
      // HotSpot may raise a fault's InternalError after the access, once the read in charAt has
      // returned, so that charAt cannot catch it: the matcher's frame is where it surfaces
      throw Faults.translate(map, e, searchFrom);
    }
    if (found && next.startOffset() >= until) {
      next = null;
      done = true;
      found = false;
    }
    // a match may come from a heap copy taken before a close or a resize: the copy is no longer
    // the map's, so nothing more is handed out
    checkLive();
    return found;
  }

  /**
   * Refuses to go on once the map was closed or remapped since this iterator was made.
   *
   * @throws IllegalStateException if it was
   * @throws WrongThreadException if the map is confined to another thread
   */
  void checkLive() {
    map.checkLive(segment);
  }

  /** {@link #hasNext()} when any position may start a match. */
  private boolean hasNextAnywhere() {
    while (next == null && !done) {
      if (matcher.find()) {
        long start = base + matcher.start();
        boolean last = windowEnd == length;
        if (!last && start >= windowStart + window) {
          advance();
          continue;
        }
        if (start == matcher.end() + base && start == lastEmptyAt) {
          continue; // the previous window reported this empty match already
        }
        next = capture();
        searchFrom = next.endOffset();
        lastEmptyAt = next.startOffset() == next.endOffset() ? start : -1;
      } else if (windowEnd == length) {
        done = true;
      } else {
        advance();
      }
    }
    return next != null;
  }

  /**
   * {@link #hasNext()} when matches start with {@link #prefix}, for patterns with lookbehind, which
   * may look back as far as a window: the kernel finds candidates in the map itself.
   */
  private boolean hasNextCandidateInMap() {
    while (next == null && !done) {
      boolean last = windowEnd == length;
      // a candidate must start inside the window, and the prefix end inside the view
      long to = last ? windowEnd : Math.min(windowEnd, windowStart + window - 1 + prefix.length);
      long at = -1;
      if (to - searchFrom >= prefix.length) {
        try {
          at = Search.find(segment, searchFrom, to, prefix);
        } catch (RuntimeException | InternalError e) {
          throw Faults.translate(map, e, searchFrom);
        }
      }
      if (at < 0) {
        if (last) {
          done = true;
        } else {
          advance();
        }
      } else {
        matcher.region((int) (at - base), (int) (windowEnd - base));
        if (matcher.lookingAt()) {
          next = capture();
          searchFrom = next.endOffset();
        } else {
          searchFrom = at + 1;
        }
      }
    }
    return next != null;
  }

  /**
   * {@link #hasNext()} when matches start with {@link #prefix}. The bytes are copied to the heap a
   * block of candidates at a time, with {@link #CONTEXT} bytes either side, where {@link
   * String#indexOf(String, int)} finds the candidates and a matcher over the copy tries them: both
   * cost less per candidate than a search of the map and a matcher over the view. A match that
   * reads to the end of the copy is tried again over the window's view.
   */
  private boolean hasNextCandidate() {
    while (next == null && !done) {
      long candidatesEnd = windowEnd == length ? windowEnd : windowStart + window;
      if (searchFrom >= candidatesEnd) {
        if (windowEnd == length) {
          done = true;
        } else {
          advance();
        }
        continue;
      }
      if (text == null || searchFrom < blockStart || searchFrom >= blockEnd) {
        load(candidatesEnd);
      }
      int i = text.indexOf(needle, (int) (searchFrom - textBase));
      long at = i < 0 ? -1 : textBase + i;
      if (at < 0 || at >= blockEnd) {
        searchFrom = blockEnd;
        continue;
      }
      textMatcher.region(i, text.length());
      boolean found = textMatcher.lookingAt();
      if (textMatcher.hitEnd() && textEnd < windowEnd) {
        matcher.region((int) (at - base), (int) (windowEnd - base));
        if (matcher.lookingAt()) {
          next = capture(matcher, base);
        }
      } else if (found) {
        next = capture(textMatcher, textBase);
      }
      searchFrom = next == null ? at + 1 : next.endOffset();
    }
    return next != null;
  }

  /**
   * Copies the candidates {@code [searchFrom, min(candidatesEnd, searchFrom + block))} to the heap,
   * with up to {@link #context} bytes of the window either side.
   */
  private void load(long candidatesEnd) {
    blockStart = searchFrom;
    blockEnd = Math.min(candidatesEnd, searchFrom + block);
    textBase = Math.max(base, blockStart - context);
    textEnd = Math.min(windowEnd, blockEnd + Math.max(context, prefix.length));
    int n = (int) (textEnd - textBase);
    if (buffer == null || buffer.length < n) {
      buffer = new byte[n];
    }
    try {
      MemorySegment.copy(segment, ValueLayout.JAVA_BYTE, textBase, buffer, 0, n);
    } catch (IllegalStateException | WrongThreadException | InternalError e) {
      throw Faults.translate(map, e, textBase);
    }
    text = new String(buffer, 0, n, StandardCharsets.ISO_8859_1);
    if (textMatcher == null) {
      textMatcher = pattern.matcher(text);
      textMatcher.useTransparentBounds(true).useAnchoringBounds(false);
    } else {
      textMatcher.reset(text);
    }
  }

  private void advance() {
    windowStart += window;
    open();
  }

  private MmapMatch capture() {
    return capture(matcher, base);
  }

  /**
   * {@return the current match of {@code matcher}, whose input starts at {@code base} in the map}
   */
  private MmapMatch capture(Matcher matcher, long base) {
    int groups = matcher.groupCount() + 1;
    long[] starts = new long[groups];
    long[] ends = new long[groups];
    String[] texts = new String[groups];
    for (int g = 0; g < groups; g++) {
      int s = matcher.start(g);
      starts[g] = s < 0 ? -1 : base + s;
      ends[g] = s < 0 ? -1 : base + matcher.end(g);
      texts[g] = matcher.group(g);
    }
    return new MmapMatch(starts, ends, texts, names);
  }

  @Override
  public MmapMatch next() {
    if (!hasNext()) {
      throw new NoSuchElementException();
    }
    MmapMatch m = next;
    next = null;
    return m;
  }
}
