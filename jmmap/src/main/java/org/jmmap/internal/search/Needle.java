package org.jmmap.internal.search;

import java.util.Arrays;

/**
 * A needle prepared for the search kernels: two of its bytes to filter candidates on, chosen by how
 * rarely they occur in typical text and binary data, so that few candidates need verifying. The
 * filter bytes lie within the first {@link #MAX_FILTER_REACH} bytes of the needle, so a scan needs
 * only that many bytes past a candidate in its buffer, however long the needle.
 */
final class Needle {
  /** How far into the needle the filter bytes may lie. */
  static final int MAX_FILTER_REACH = 256;

  /**
   * Roughly how often each byte value occurs per 10,000 bytes of a mix of English text, source
   * code, logs and binary data. Only the order matters.
   */
  private static final short[] FREQUENCY = frequencies();

  final byte[] bytes;
  final int length;

  /** The offset and value of the rarest byte. */
  final int off1;

  final byte b1;

  /** The offset and value of the second rarest byte, another offset (the same only for n = 1). */
  final int off2;

  final byte b2;

  /** {@code max(off1, off2) + 1}: the bytes from a candidate that the filter reads. */
  final int span;

  Needle(byte[] needle) {
    bytes = needle;
    length = needle.length;
    int reach = Math.min(length, MAX_FILTER_REACH);
    int first = 0;
    for (int i = 1; i < reach; i++) {
      if (FREQUENCY[needle[i] & 0xFF] < FREQUENCY[needle[first] & 0xFF]) {
        first = i;
      }
    }
    // the second filter byte: the rarest at another offset, preferring another value, which
    // filters out more than the same value again
    int second = -1;
    for (int i = 0; i < reach; i++) {
      if (i != first && (second < 0 || better(needle, i, second, needle[first]))) {
        second = i;
      }
    }
    if (second < 0) {
      second = first;
    }
    off1 = first;
    b1 = needle[first];
    off2 = second;
    b2 = needle[second];
    span = Math.max(first, second) + 1;
  }

  private static boolean better(byte[] needle, int i, int than, byte avoid) {
    boolean iOther = needle[i] != avoid;
    boolean thanOther = needle[than] != avoid;
    if (iOther != thanOther) {
      return iOther;
    }
    return FREQUENCY[needle[i] & 0xFF] < FREQUENCY[needle[than] & 0xFF];
  }

  /**
   * {@return whether the needle may start at {@code c} of {@code buf}, which holds valid bytes up
   * to {@code len}: the bytes there match, up to the needle's end or {@code len}, whichever comes
   * first} The filter bytes are known to match.
   */
  boolean matchesAt(byte[] buf, int c, int len) {
    if (length <= 2) {
      return true; // the two filter bytes are the whole needle
    }
    int end = Math.min(length, len - c);
    if (end <= 16) {
      for (int k = 0; k < end; k++) {
        if (buf[c + k] != bytes[k]) {
          return false;
        }
      }
      return true;
    }
    return Arrays.equals(buf, c, c + end, bytes, 0, end);
  }

  private static short[] frequencies() {
    short[] f = new short[256];
    Arrays.fill(f, (short) 5); // bytes of binary data and of non-ASCII text
    for (int b = 1; b < 32; b++) {
      f[b] = 2; // control characters
    }
    f[0] = 400; // padding and zeroed fields in binary data
    f[0xFF] = 60;
    f[0x7F] = 1;
    f['\n'] = 150;
    f['\r'] = 30;
    f['\t'] = 50;
    f[' '] = 1300;
    // lower-case letters, most to least common in English text
    String letters = "etaoinsrhldcumfpgwybvkxjqz";
    short[] perLetter = {
      900, 650, 600, 580, 560, 540, 500, 480, 400, 350, 330, 300, 230, 220, 180, 170, 160, 130, 120,
      110, 80, 50, 25, 15, 9, 7
    };
    for (int i = 0; i < letters.length(); i++) {
      char c = letters.charAt(i);
      f[c] = perLetter[i];
      f[Character.toUpperCase(c)] = (short) (perLetter[i] / 8 + 3);
    }
    short[] perDigit = {250, 220, 180, 140, 130, 130, 120, 110, 110, 110};
    for (int d = 0; d < 10; d++) {
      f['0' + d] = perDigit[d];
    }
    String punctuation = ".,-:/_=\"()';*<>[]{}#+@!?%&|\\$^~`";
    short[] perMark = {
      200, 170, 120, 100, 80, 60, 60, 50, 45, 45, 40, 35, 30, 25, 25, 20, 20, 15, 15, 12, 12, 10, 8,
      8, 6, 6, 5, 5, 4, 4, 3, 3
    };
    for (int i = 0; i < punctuation.length(); i++) {
      f[punctuation.charAt(i)] = perMark[i];
    }
    return f;
  }
}
