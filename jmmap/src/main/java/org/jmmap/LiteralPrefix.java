package org.jmmap;

import java.io.ByteArrayOutputStream;
import java.util.regex.Pattern;

/**
 * The bytes that every match of a pattern must start with, found by reading the pattern's source
 * conservatively: {@link WindowedMatches} looks for them with the search kernel and runs the {@link
 * java.util.regex.Matcher} only where they occur. A prefix that is too short only costs speed; one
 * byte too many loses matches, so anything this class does not positively understand ends the
 * prefix, and a construct that could let a match start elsewhere (a top-level {@code |}, comments
 * mode, canonical equivalence) means no prefix at all.
 */
final class LiteralPrefix {
  /** Flags that change what a literal matches in ways this class does not model. */
  private static final int UNSUPPORTED = Pattern.COMMENTS | Pattern.CANON_EQ;

  /** Characters with a meaning of their own outside a character class. */
  private static final String SPECIAL = "\\^$.|?*+()[]{}";

  /** Characters that, after a literal, make it optional or repeated. */
  private static final String QUANTIFIERS = "?*+{";

  private final String source;
  private final boolean caseless;
  private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
  private int at;

  private LiteralPrefix(String source, boolean caseless) {
    this.source = source;
    this.caseless = caseless;
  }

  /**
   * {@return the literal bytes (one per char, ISO-8859-1) that every match of {@code pattern}
   * starts with, or null when there are none that this class can prove}
   */
  static byte[] of(Pattern pattern) {
    int flags = pattern.flags();
    if ((flags & UNSUPPORTED) != 0) {
      return null;
    }
    boolean caseless = (flags & Pattern.CASE_INSENSITIVE) != 0;
    LiteralPrefix p = new LiteralPrefix(pattern.pattern(), caseless);
    if ((flags & Pattern.LITERAL) != 0) {
      p.quoted(p.source.length());
    } else {
      if (hasTopLevelAlternation(p.source) || hasInlineFlags(p.source)) {
        return null;
      }
      p.scan();
    }
    return p.bytes.size() == 0 ? null : p.bytes.toByteArray();
  }

  /** Reads literals from the start of the source until the first thing that is not one. */
  private void scan() {
    while (at < source.length()) {
      char c = source.charAt(at);
      if (c == '\\') {
        if (at + 1 >= source.length()) {
          return;
        }
        char e = source.charAt(at + 1);
        if (e == 'Q') {
          int end = source.indexOf("\\E", at + 2);
          at += 2;
          if (!quoted(end < 0 ? source.length() : end)) {
            return;
          }
          if (end < 0) {
            return;
          }
          at = end + 2;
          if (quantified()) {
            endAtQuantifier();
            return;
          }
          continue;
        }
        int lit = escaped(e);
        if (lit < 0) {
          return;
        }
        if (!literal((char) lit)) {
          return;
        }
      } else {
        if (SPECIAL.indexOf(c) >= 0) {
          return;
        }
        at++;
        if (!literal(c)) {
          return;
        }
      }
      if (quantified()) {
        endAtQuantifier();
        return;
      }
    }
  }

  /**
   * {@return the char that the escape {@code \e} at {@code at} stands for, or -1 if it is not a
   * plain literal}, and moves past it
   */
  private int escaped(char e) {
    int lit =
        switch (e) {
          case 't' -> '\t';
          case 'n' -> '\n';
          case 'r' -> '\r';
          case 'f' -> '\f';
          case 'a' -> '\u0007';
          case 'e' -> '\u001b';
          default -> e < 0x80 && !Character.isLetterOrDigit(e) ? e : -1;
        };
    if (lit >= 0) {
      at += 2;
      return lit;
    }
    if (e == 'x' && at + 3 < source.length()) {
      int hi = Character.digit(source.charAt(at + 2), 16);
      int lo = Character.digit(source.charAt(at + 3), 16);
      if (hi >= 0 && lo >= 0) {
        at += 4;
        return hi << 4 | lo;
      }
    }
    return -1;
  }

  /**
   * Takes the source's chars from {@code at} up to {@code end} as literals (a {@code \Q..\E} quote
   * or a {@code LITERAL} pattern). {@return whether all of them were taken}
   */
  private boolean quoted(int end) {
    for (; at < end; at++) {
      if (!literal(source.charAt(at))) {
        return false;
      }
    }
    return true;
  }

  /**
   * Appends a literal char that the pattern must match. {@return false, appending nothing, if it
   * cannot be a prefix byte}: a char beyond ISO-8859-1, or a letter or non-ASCII char when case is
   * ignored, since then it matches chars other than itself (with {@code UNICODE_CASE}, even chars
   * outside ASCII, such as the Kelvin sign for {@code k}).
   */
  private boolean literal(char c) {
    if (c > 0xFF || Character.isSurrogate(c)) {
      return false;
    }
    if (caseless && (c >= 0x80 || Character.isLetter(c))) {
      return false;
    }
    bytes.write(c);
    return true;
  }

  /** {@return whether the source at {@code at} quantifies the literal before it} */
  private boolean quantified() {
    return at < source.length() && QUANTIFIERS.indexOf(source.charAt(at)) >= 0;
  }

  /**
   * Ends the prefix at the quantifier at {@code at}: the literal before it stays if the quantifier
   * requires it at least once ({@code +}, {@code {n}} or {@code {n,...}} with n &gt; 0, greedy,
   * lazy or possessive), since a match still starts with one; otherwise it goes.
   */
  private void endAtQuantifier() {
    char q = source.charAt(at);
    if (q == '+') {
      return;
    }
    if (q == '{') {
      int i = at + 1;
      int min = 0;
      while (i < source.length() && i < at + 10 && Character.isDigit(source.charAt(i))) {
        min = min * 10 + (source.charAt(i) - '0');
        i++;
      }
      if (min > 0) {
        return;
      }
    }
    drop();
  }

  /** Removes the last literal, which a quantifier makes optional. */
  private void drop() {
    if (bytes.size() == 0) {
      return;
    }
    byte[] b = bytes.toByteArray();
    bytes.reset();
    bytes.write(b, 0, b.length - 1);
  }

  /**
   * {@return whether {@code source} may set or clear flags inline, as {@code (?i)} or {@code
   * (?-x:...)} do} {@link Pattern#flags()} may then report the flags that hold at the end of the
   * pattern rather than at its start, so that neither can be trusted for the prefix.
   */
  private static boolean hasInlineFlags(String source) {
    for (int i = source.indexOf("(?"); i >= 0; i = source.indexOf("(?", i + 1)) {
      if (i + 2 < source.length()) {
        char c = source.charAt(i + 2);
        if (c == '-' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
          return true;
        }
      }
    }
    return false;
  }

  /**
   * {@return whether {@code source} may hold a {@code |} outside every group}; conservatively, any
   * {@code |} outside a {@code \Q..\E} quote and not escaped counts, even in a class or a group
   */
  private static boolean hasTopLevelAlternation(String source) {
    for (int i = 0; i < source.length(); i++) {
      char c = source.charAt(i);
      if (c == '\\') {
        if (i + 1 < source.length() && source.charAt(i + 1) == 'Q') {
          int end = source.indexOf("\\E", i + 2);
          if (end < 0) {
            return false;
          }
          i = end + 1;
        } else {
          i++;
        }
      } else if (c == '|') {
        return true;
      }
    }
    return false;
  }
}
