package org.jmmap;

import java.util.Map;
import java.util.regex.MatchResult;
import java.util.regex.Matcher;

/**
 * One match that {@link Mmap#matches(java.util.regex.Pattern)} found: the offsets are offsets in
 * the map, and can be past 2 GiB. {@link #start()} and {@link #end()} give them as an {@code int}
 * where they fit, as {@link MatchResult} requires, and throw {@link ArithmeticException} where they
 * do not; {@link #startOffset()} and {@link #endOffset()} always work.
 *
 * <p>Otherwise it answers as the result of {@link Matcher#toMatchResult()} for the same match does,
 * named groups included ({@link #group(String)}, {@link #start(String)}, {@link #end(String)},
 * {@link #namedGroups()}), with the same exceptions: {@link IndexOutOfBoundsException} for a group
 * number that the pattern does not have, {@link IllegalArgumentException} for a name that it does
 * not have. It holds no reference to the map and stays usable after the map is closed.
 */
public final class MmapMatch implements MatchResult {
  private final long[] starts;
  private final long[] ends;
  private final String[] groups;
  private final Map<String, Integer> names;

  MmapMatch(long[] starts, long[] ends, String[] groups, Map<String, Integer> names) {
    this.starts = starts;
    this.ends = ends;
    this.groups = groups;
    this.names = names;
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

  /**
   * {@return the pattern's named groups: an unmodifiable map from each name to its group number}
   */
  @Override
  public Map<String, Integer> namedGroups() {
    return names;
  }

  /** {@return true}: a {@code MmapMatch} is always the result of a successful match */
  @Override
  public boolean hasMatch() {
    return true;
  }

  @Override
  public String toString() {
    return "MmapMatch[start=" + starts[0] + ", end=" + ends[0] + ", group=" + groups[0] + "]";
  }
}
