package org.jmmap.examples;

/** Python's {@code repr} of a {@code bytes} object, so that Java prints what Python prints. */
public final class Bytes {
  private Bytes() {}

  /**
   * {@return the bytes as Python writes them}, e.g. {@code b'Hello\n'}
   *
   * @param data the bytes
   */
  public static String repr(byte[] data) {
    boolean hasSingle = false;
    boolean hasDouble = false;
    for (byte b : data) {
      hasSingle |= b == '\'';
      hasDouble |= b == '"';
    }
    char quote = hasSingle && !hasDouble ? '"' : '\'';
    StringBuilder sb = new StringBuilder(data.length + 3).append('b').append(quote);
    for (byte x : data) {
      int b = x & 0xFF;
      if (b == quote || b == '\\') {
        sb.append('\\').append((char) b);
      } else if (b == '\t') {
        sb.append("\\t");
      } else if (b == '\n') {
        sb.append("\\n");
      } else if (b == '\r') {
        sb.append("\\r");
      } else if (b < 0x20 || b >= 0x7F) {
        sb.append(String.format("\\x%02x", b));
      } else {
        sb.append((char) b);
      }
    }
    return sb.append(quote).toString();
  }
}
