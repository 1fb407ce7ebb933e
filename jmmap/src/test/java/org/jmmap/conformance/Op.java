package org.jmmap.conformance;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One line of a trace: a flat JSON object whose values are strings, whole numbers or null, e.g.
 * {@code {"op":"find","sub":"6869","start":-7,"end":null}}.
 */
record Op(Map<String, Object> fields) {

  static Op of(Object... keysAndValues) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (int i = 0; i < keysAndValues.length; i += 2) {
      m.put((String) keysAndValues[i], keysAndValues[i + 1]);
    }
    return new Op(m);
  }

  String name() {
    return (String) fields.get("op");
  }

  boolean has(String key) {
    return fields.containsKey(key);
  }

  /** {@return the number, or null for JSON null} */
  Long num(String key) {
    Object v = fields.get(key);
    if (v != null && !(v instanceof Long)) {
      throw new IllegalArgumentException(key + " is not a number in " + this);
    }
    return (Long) v;
  }

  long num(String key, long otherwise) {
    Long v = has(key) ? num(key) : null;
    return v == null ? otherwise : v;
  }

  String str(String key) {
    return (String) fields.get(key);
  }

  /** Parses one line. */
  static Op parse(String line) {
    Map<String, Object> m = new LinkedHashMap<>();
    int[] at = {skip(line, 0)};
    expect(line, at, '{');
    if (line.charAt(skip(line, at[0])) == '}') {
      return new Op(m);
    }
    while (true) {
      at[0] = skip(line, at[0]);
      String key = string(line, at);
      at[0] = skip(line, at[0]);
      expect(line, at, ':');
      at[0] = skip(line, at[0]);
      m.put(key, value(line, at));
      at[0] = skip(line, at[0]);
      char c = line.charAt(at[0]++);
      if (c == '}') {
        return new Op(m);
      }
      if (c != ',') {
        throw new IllegalArgumentException("expected , or } at " + (at[0] - 1) + " in " + line);
      }
    }
  }

  private static int skip(String s, int i) {
    while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
      i++;
    }
    return i;
  }

  private static void expect(String s, int[] at, char c) {
    at[0] = skip(s, at[0]);
    if (at[0] >= s.length() || s.charAt(at[0]) != c) {
      throw new IllegalArgumentException("expected " + c + " at " + at[0] + " in " + s);
    }
    at[0]++;
  }

  private static String string(String s, int[] at) {
    expect(s, at, '"');
    int end = s.indexOf('"', at[0]);
    String v = s.substring(at[0], end);
    at[0] = end + 1;
    return v;
  }

  private static Object value(String s, int[] at) {
    char c = s.charAt(at[0]);
    if (c == '"') {
      return string(s, at);
    }
    if (s.startsWith("null", at[0])) {
      at[0] += 4;
      return null;
    }
    int end = at[0];
    while (end < s.length() && (s.charAt(end) == '-' || Character.isDigit(s.charAt(end)))) {
      end++;
    }
    long v = Long.parseLong(s.substring(at[0], end));
    at[0] = end;
    return v;
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder("{");
    for (Map.Entry<String, Object> e : fields.entrySet()) {
      if (sb.length() > 1) {
        sb.append(',');
      }
      sb.append('"').append(e.getKey()).append("\":");
      Object v = e.getValue();
      sb.append(v instanceof String str ? "\"" + str + "\"" : String.valueOf(v));
    }
    return sb.append('}').toString();
  }
}
