package org.jmmap.reliability;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * What a sweep over many arguments found wrong, grouped by kind of problem with a count and the
 * first few examples of each, so that one failure message shows every kind of defect at once.
 */
final class Problems {
  private static final int EXAMPLES = 4;
  private final Map<String, List<String>> examples = new LinkedHashMap<>();
  private final Map<String, Long> counts = new LinkedHashMap<>();

  /** Records one problem of the kind {@code what}, seen in {@code example}. */
  void add(String what, String example) {
    counts.merge(what, 1L, Long::sum);
    List<String> e = examples.computeIfAbsent(what, k -> new ArrayList<>());
    if (e.size() < EXAMPLES) {
      e.add(example);
    }
  }

  boolean isEmpty() {
    return counts.isEmpty();
  }

  /** {@return one line per kind of problem: its count and examples} */
  List<String> lines() {
    List<String> out = new ArrayList<>();
    for (Map.Entry<String, Long> c : counts.entrySet()) {
      out.add(
          c.getKey()
              + ": "
              + c.getValue()
              + " time(s), e.g. "
              + String.join(" | ", examples.get(c.getKey())));
    }
    return out;
  }

  @Override
  public String toString() {
    return String.join("\n", lines());
  }

  /** {@return whether {@code message} names {@code value} in decimal or in hex with 0x} */
  static boolean names(String message, long value) {
    if (message == null) {
      return false;
    }
    String decimal = Long.toString(value);
    if (message.contains(decimal)
        && Pattern.compile("(?<![\\w-])" + Pattern.quote(decimal) + "(?![0-9])")
            .matcher(message)
            .find()) {
      return true;
    }
    return namesHex(message, Long.toHexString(value))
        || (value == (int) value && namesHex(message, Integer.toHexString((int) value)));
  }

  /** {@return whether {@code message} names {@code value} in hex with 0x} */
  static boolean namesHex(String message, int value) {
    return message != null && namesHex(message, Integer.toHexString(value));
  }

  private static boolean namesHex(String message, String hex) {
    return message.toLowerCase(Locale.ROOT).contains(hex)
        && Pattern.compile("0x0*" + hex + "(?![0-9a-f])", Pattern.CASE_INSENSITIVE)
            .matcher(message)
            .find();
  }

  /** An object identity such as {@code FileChannelImpl@1b6d3586}. */
  static final Pattern IDENTITY = Pattern.compile("[\\w.$]+@[0-9a-fA-F]{4,}");

  /** A memory address such as {@code 0x7f3c2a1b4000}. */
  static final Pattern ADDRESS = Pattern.compile("0x[0-9a-fA-F]{10,}");

  /** {@return what in {@code message} gives away an object identity or an address, or null} */
  static String leak(String message) {
    if (message == null) {
      return null;
    }
    var i = IDENTITY.matcher(message);
    if (i.find()) {
      return "an object identity (" + i.group() + ")";
    }
    var a = ADDRESS.matcher(message);
    if (a.find()) {
      return "a memory address (" + a.group() + ")";
    }
    return null;
  }

  /** {@return a throwable's class and message in one short line} */
  static String what(Throwable t) {
    if (t == null) {
      return "no exception";
    }
    String m = String.valueOf(t.getMessage());
    return t.getClass().getSimpleName()
        + "("
        + (m.length() > 160 ? m.substring(0, 160) + "…" : m)
        + ")";
  }
}
