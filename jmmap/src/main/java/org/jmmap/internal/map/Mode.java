package org.jmmap.internal.map;

import static org.jmmap.internal.map.Mman.MAP_ANONYMOUS;
import static org.jmmap.internal.map.Mman.MAP_DENYWRITE;
import static org.jmmap.internal.map.Mman.MAP_EXECUTABLE;
import static org.jmmap.internal.map.Mman.MAP_NORESERVE;
import static org.jmmap.internal.map.Mman.MAP_POPULATE;
import static org.jmmap.internal.map.Mman.MAP_PRIVATE;
import static org.jmmap.internal.map.Mman.MAP_SHARED;
import static org.jmmap.internal.map.Mman.MAP_STACK;
import static org.jmmap.internal.map.Mman.MAP_TYPE;
import static org.jmmap.internal.map.Mman.PROT_EXEC;
import static org.jmmap.internal.map.Mman.PROT_READ;
import static org.jmmap.internal.map.Mman.PROT_WRITE;

import java.util.Locale;

/**
 * How a map may be used, resolved once from access, flags and prot as CPython resolves them: the
 * one place that says whether a map is read-only, shared or copy-on-write.
 *
 * @param kind the resolved access
 * @param flags the {@code MAP_*} flags to map with
 * @param prot the {@code PROT_*} bits to map with
 */
public record Mode(Kind kind, int flags, int prot) {

  /** The access modes, named as {@code org.jmmap.Access} names them. */
  public enum Kind {
    /** Readable and writable, as flags and prot say. */
    DEFAULT,
    /** Read-only. */
    READ,
    /** Write-through. */
    WRITE,
    /** Copy-on-write. */
    COPY
  }

  /**
   * The flags a map may carry besides its type, each known to leave the mapping an ordinary one
   * that Java code can read and write: hints and bits Linux ignores. Anything else is refused.
   */
  private static final int HARMLESS_FLAGS =
      MAP_NORESERVE | MAP_POPULATE | MAP_DENYWRITE | MAP_EXECUTABLE | MAP_STACK;

  /** {@return whether writes are refused} */
  public boolean readOnly() {
    return kind == Kind.READ;
  }

  /** {@return whether writes reach the file and other maps of it} */
  public boolean shared() {
    return (flags & MAP_TYPE) == MAP_SHARED;
  }

  /** {@return whether the map was asked for as {@code ACCESS_COPY}} */
  public boolean copyOnWrite() {
    return kind == Kind.COPY;
  }

  /** {@return whether changes are never written back} (read-only and copy-on-write maps) */
  boolean neverWritesBack() {
    return kind == Kind.READ || kind == Kind.COPY;
  }

  /** {@return whether the file must be opened for writing} (a private map needs no write bit) */
  boolean wantsWritableFile() {
    return (prot & PROT_WRITE) != 0 && (shared() || kind == Kind.DEFAULT);
  }

  /** CPython's access resolution, plus the refusals that keep the JVM alive. */
  static Mode resolve(Kind access, int flags, int prot, boolean anonymous) {
    if (access == null) {
      throw new NullPointerException("access");
    }
    if (access != Kind.DEFAULT && (flags != MAP_SHARED || prot != (PROT_READ | PROT_WRITE))) {
      throw new IllegalArgumentException(
          String.format(
              Locale.ROOT,
              "mmap can't specify both access and flags, prot: access=%s flags=0x%x prot=0x%x",
              access,
              flags,
              prot));
    }
    int type = flags & MAP_TYPE;
    int allowed = HARMLESS_FLAGS | MAP_TYPE | (anonymous ? MAP_ANONYMOUS : 0);
    if ((type != MAP_SHARED && type != MAP_PRIVATE) || (flags & ~allowed) != 0) {
      throw new IllegalArgumentException(
          String.format(
              Locale.ROOT,
              "flags not allowed: flags=0x%x: a map takes exactly one of MAP_SHARED (0x1) and"
                  + " MAP_PRIVATE (0x2), plus any of MAP_NORESERVE, MAP_POPULATE, MAP_DENYWRITE,"
                  + " MAP_EXECUTABLE and MAP_STACK%s; other flags (e.g. MAP_FIXED, MAP_HUGETLB%s)"
                  + " could map over memory the JVM uses or change what the map means",
              flags,
              anonymous ? " and MAP_ANONYMOUS" : "",
              anonymous ? "" : ", MAP_ANONYMOUS on a file"));
    }
    if (prot == 0 || (prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC)) != 0) {
      throw new IllegalArgumentException(
          String.format(
              Locale.ROOT,
              "prot not allowed: prot=0x%x: it must combine PROT_READ (0x1), PROT_WRITE (0x2) and"
                  + " PROT_EXEC (0x4), and not be 0 (PROT_NONE makes every access fault)",
              prot));
    }
    // an if chain, not a switch expression: linking this class would load its MatchException
    if (access == Kind.READ) {
      return new Mode(Kind.READ, MAP_SHARED, PROT_READ);
    } else if (access == Kind.WRITE) {
      return new Mode(Kind.WRITE, MAP_SHARED, PROT_READ | PROT_WRITE);
    } else if (access == Kind.COPY) {
      return new Mode(Kind.COPY, MAP_PRIVATE, PROT_READ | PROT_WRITE);
    }
    boolean read = (prot & PROT_READ) != 0;
    boolean write = (prot & PROT_WRITE) != 0;
    Kind resolved = read && write ? Kind.DEFAULT : write ? Kind.WRITE : Kind.READ;
    // every map is readable: jmmap reads what it maps, and an unreadable page would fault
    return new Mode(resolved, flags, prot | PROT_READ);
  }
}
