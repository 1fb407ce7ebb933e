package org.jmmap;

import java.util.Iterator;
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
 * <p>When every match must start with known bytes ({@link LiteralPrefix}), the search kernel finds
 * them and the matcher tries only there, with {@link Matcher#lookingAt()} on a region that starts
 * at the candidate and transparent, non-anchoring bounds. A {@link Matcher#find()} tries the same
 * match at each start in turn, and could succeed only at a candidate, so both report the same
 * matches; the kernel is many times faster than the matcher at skipping the bytes between.
 */
final class WindowedMatches implements Iterator<MmapMatch> {
  private final Region map;
  private final Pattern pattern;
  private final long window;
  private final long overlap;
  private final java.lang.foreign.MemorySegment segment;
  private final long length;
  private final byte[] prefix; // null: try every start
  private long windowStart;
  private long searchFrom;
  private long lastEmptyAt = -1;
  private Matcher matcher;
  private long base;
  private long windowEnd;
  private MmapMatch next;
  private boolean done;

  WindowedMatches(Region map, Pattern pattern, long window, long overlap, boolean prefilter) {
    this.map = map;
    this.prefix = prefilter ? LiteralPrefix.of(pattern) : null;
    this.pattern = pattern;
    this.window = window;
    this.overlap = overlap;
    this.segment = map.segment(); // one generation: a concurrent resize makes it throw
    this.length = segment.byteSize();
    open();
  }

  private void open() {
    windowEnd = Math.min(length, windowStart + window + overlap);
    base = Math.max(0, windowStart - overlap);
    searchFrom = Math.max(searchFrom, windowStart);
    matcher = pattern.matcher(MappedCharSequence.of(map, segment, base, windowEnd));
    matcher.useTransparentBounds(true).useAnchoringBounds(false);
    matcher.region((int) (Math.min(searchFrom, windowEnd) - base), (int) (windowEnd - base));
  }

  @Override
  public boolean hasNext() {
    try {
      return prefix != null ? hasNextCandidate() : hasNextAnywhere();
    } catch (InternalError e) {
      // HotSpot may raise a fault's InternalError after the access, once the read in charAt has
      // returned, so that charAt cannot catch it: the matcher's frame is where it surfaces
      throw Faults.translate(map, e, searchFrom);
    }
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

  /** {@link #hasNext()} when matches start with {@link #prefix}; they are never empty. */
  private boolean hasNextCandidate() {
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

  private void advance() {
    windowStart += window;
    open();
  }

  private MmapMatch capture() {
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
    return new MmapMatch(starts, ends, texts);
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
