package org.jmmap;

import java.util.regex.MatchResult;

/**
 * One match that {@link Mmap#matches(java.util.regex.Pattern)} found: the offsets are offsets in
 * the map, and can be past 2 GiB. {@link #start()} and {@link #end()} give them as an {@code int}
 * where they fit, as {@link MatchResult} requires, and throw {@link ArithmeticException} where they
 * do not; {@link #startOffset()} and {@link #endOffset()} always work.
 */
public final class MmapMatch implements MatchResult {
  private final long[] starts;
  private final long[] ends;
  private final String[] groups;

  MmapMatch(long[] starts, long[] ends, String[] groups) {
    this.starts = starts;
    this.ends = ends;
    this.groups = groups;
  }

  /** {@return the offset in the map of the match's first byte} */
  public long startOffset() {
    return starts[0];
  }

  /** {@return the offset in the map just after the match} */
  public long endOffset() {
    return ends[0];
  }

  /**
   * {@return the offset in the map of a group's first byte, or -1 if the group matched nothing}
   *
   * @param group the group's number; 0 is the whole match
   */
  public long startOffset(int group) {
    return starts[check(group)];
  }

  /**
   * {@return the offset in the map just after a group, or -1 if the group matched nothing}
   *
   * @param group the group's number; 0 is the whole match
   */
  public long endOffset(int group) {
    return ends[check(group)];
  }

  private int check(int group) {
    if (group < 0 || group >= starts.length) {
      throw new IndexOutOfBoundsException(
          "no group " + group + " in a match with " + (starts.length - 1) + " groups");
    }
    return group;
  }

  @Override
  public int start() {
    return Math.toIntExact(starts[0]);
  }

  @Override
  public int start(int group) {
    return Math.toIntExact(starts[check(group)]);
  }

  @Override
  public int end() {
    return Math.toIntExact(ends[0]);
  }

  @Override
  public int end(int group) {
    return Math.toIntExact(ends[check(group)]);
  }

  @Override
  public String group() {
    return groups[0];
  }

  @Override
  public String group(int group) {
    return groups[check(group)];
  }

  @Override
  public int groupCount() {
    return starts.length - 1;
  }

  @Override
  public String toString() {
    return "MmapMatch[start=" + starts[0] + ", end=" + ends[0] + ", group=" + groups[0] + "]";
  }
}
