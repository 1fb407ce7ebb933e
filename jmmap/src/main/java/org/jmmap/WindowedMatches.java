package org.jmmap;

import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jmmap.internal.map.Region;

/**
 * The matches of a pattern over a whole map, however large, found window by window. Each window is
 * a zero-copy {@link MappedCharSequence} of {@code window} bytes plus {@code overlap} bytes of the
 * next window, plus up to {@code overlap} bytes before it as context for lookbehind. A window
 * reports the matches that start inside it; a match no longer than {@code overlap} therefore ends
 * inside the window that reports it, and is found whole and at the same offset as a search of the
 * whole map would find it.
 */
final class WindowedMatches implements Iterator<MmapMatch> {
  private final Region map;
  private final Pattern pattern;
  private final long window;
  private final long overlap;
  private final java.lang.foreign.MemorySegment segment;
  private final long length;
  private long windowStart;
  private long searchFrom;
  private long lastEmptyAt = -1;
  private Matcher matcher;
  private long base;
  private long windowEnd;
  private MmapMatch next;
  private boolean done;

  WindowedMatches(Region map, Pattern pattern, long window, long overlap) {
    this.map = map;
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
