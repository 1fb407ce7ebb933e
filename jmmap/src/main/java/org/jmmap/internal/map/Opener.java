package org.jmmap.internal.map;

import static org.jmmap.internal.map.Mman.MAP_POPULATE;
import static org.jmmap.internal.map.Mman.MAP_SHARED;
import static org.jmmap.internal.map.Mman.PROT_READ;

import java.io.IOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.channels.FileChannel;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.CodeSource;
import java.util.List;
import java.util.stream.Stream;
import org.jmmap.internal.ffi.NativeOs;

/**
 * Makes maps through one {@link NativeOs}, checking the arguments in the order CPython does:
 * length, offset, access against flags and prot, the file's size, the offset's alignment, then the
 * system call. A map that fails half-way leaves no descriptor open and nothing mapped.
 */
public final class Opener {
  private static final boolean DEBUG_LEAKS = Boolean.getBoolean("jmmap.debugLeaks");
  private static final String BACKING = System.getProperty("jmmap.backing", "");

  static {
    preloadFromDirectory();
  }

  private static final Opener SYSTEM = select(BACKING);

  private final NativeOs os; // null on the portable backing
  private final boolean throughJdk; // whether read-only file maps are made through the JDK

  /**
   * {@return the opener {@code backing} asks for}, or null if it names no backing: the Linux layer
   * where the OS is Linux and jmmap's module may make native calls, the portable backing elsewhere
   */
  private static Opener select(String backing) {
    return switch (backing) {
      case "native" -> new Opener(NativeOs.current(), true);
      case "portable" -> new Opener(null);
      case "" ->
          "Linux".equals(System.getProperty("os.name"))
                  && Opener.class.getModule().isNativeAccessEnabled()
              ? new Opener(NativeOs.current(), true)
              : new Opener(null);
      default -> null;
    };
  }

  /**
   * An opener whose system calls go to {@code os}, every one of them: each map is made by the OS
   * layer's own calls.
   *
   * @param os the OS layer, or null for the portable backing, which makes no native call
   */
  public Opener(NativeOs os) {
    this(os, false);
  }

  /**
   * @param throughJdk whether a read-only map of a regular file is made through the JDK where it
   *     can be ({@link JdkFileBacking}), so that it needs no native call
   */
  private Opener(NativeOs os, boolean throughJdk) {
    this.os = os;
    this.throughJdk = throughJdk && os != null;
  }

  /**
   * Loads every class of jmmap, without linking it, when jmmap's classes lie in a directory (as in
   * its own tests, or an IDE's run): loading one from there takes a descriptor, and once
   * descriptors have run out, a class not yet loaded fails to load, for good (the JVM keeps the
   * failed resolution), in whatever call first needs it, even in the code that reclaims
   * descriptors. From a jar, which stays open, a class loads without one, and nothing is done.
   */
  private static void preloadFromDirectory() {
    CodeSource source = Opener.class.getProtectionDomain().getCodeSource();
    URL location = source == null ? null : source.getLocation();
    if (location == null
        || !"file".equals(location.getProtocol())
        || !location.getPath().endsWith("/")) {
      return;
    }
    Path root;
    List<Path> classes;
    try {
      root = Path.of(location.toURI());
      try (Stream<Path> files = Files.walk(root.resolve("org/jmmap"))) {
        // regular files only: reading anything else (a FIFO) could block
        classes =
            files.filter(f -> f.toString().endsWith(".class") && Files.isRegularFile(f)).toList();
      }
    } catch (IOException | URISyntaxException | RuntimeException e) {
      return; // nothing to preload from: each class loads when first needed, as from a jar
    }
    for (Path f : classes) {
      String file = root.relativize(f).toString();
      String name = file.substring(0, file.length() - ".class".length()).replace('/', '.');
      try {
        Class.forName(name, false, Opener.class.getClassLoader());
      } catch (ClassNotFoundException | LinkageError e) {
        // one that cannot be loaded now would not load later either: the call that needs it fails
        // then, as it would have
      }
    }
  }

  /**
   * {@return the opener this JVM maps through}: the Linux layer, or the portable backing
   *
   * @throws IllegalArgumentException if the system property {@code jmmap.backing} names no backing
   */
  public static Opener system() {
    if (SYSTEM == null) {
      throw new IllegalArgumentException(
          "unknown backing: -Djmmap.backing="
              + BACKING
              + ": it takes native (jmmap's Linux layer) or portable (public JDK APIs only)");
    }
    return SYSTEM;
  }

  /** {@return the page size of the opener this JVM maps through}, even if none is chosen */
  public static long systemPageSize() {
    return SYSTEM != null ? SYSTEM.pageSize() : PortableOpener.PAGE_SIZE;
  }

  /** {@return {@code native} for the Linux layer, {@code portable} for the portable backing} */
  public String backing() {
    return os == null ? "portable" : "native";
  }

  /**
   * Refuses a capability that only the Linux layer has.
   *
   * @param what names the capability
   * @throws UnsupportedOperationException on the portable backing
   */
  public void requireNative(String what) {
    if (os == null) {
      throw Thrown.unsupported(
          what + " is not supported by the portable backing: " + PortableBacking.HOW);
    }
  }

  /** {@return the size of a page, which a file offset must be a multiple of} */
  public long pageSize() {
    return os == null ? PortableOpener.PAGE_SIZE : os.pageSize();
  }

  /** {@return a new map} */
  public Region open(Request r) throws IOException {
    Mode mode = check(r);
    if (os == null) {
      return PortableOpener.open(r, mode, createdAt());
    }
    int flags = mode.flags() | (r.populate() ? MAP_POPULATE : 0);
    if (throughJdk && r.source() instanceof Source.File f) {
      Region viaJdk = throughJdk(f, r, mode);
      if (viaJdk != null) {
        return viaJdk;
      }
    }
    // the OS layer's own calls, in a class of their own that a read-only map of a file made
    // through the JDK, or a portable map, never links
    return new NativeOpener(os).open(r, mode, flags);
  }

  /**
   * A size every file of {@code hugetlbfs} is a multiple of: its huge pages are 64 KiB at least on
   * every architecture. The JDK unmaps such a file's mapping by a length that is not whole huge
   * pages, which fails and leaves it mapped; a file of such a size goes to the OS layer, which asks
   * {@code fstatfs(2)} and maps and unmaps a file of {@code hugetlbfs} in whole huge pages.
   */
  private static final long WHOLE_HUGE_PAGES = 64 << 10;

  private static final OpenOption[] READ = {StandardOpenOption.READ};
  private static final OpenOption[] READ_NOFOLLOW = {
    StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS
  };
  private static final LinkOption[] FOLLOW = {};
  private static final LinkOption[] NOFOLLOW = {LinkOption.NOFOLLOW_LINKS};

  /**
   * {@return a read-only map of a regular file made through the JDK}, or null when the OS layer's
   * own calls are to make it: a fresh JVM needs no FFM linker for it ({@link JdkFileBacking}).
   *
   * <p>Only a map that is the same either way is made here: read-only, {@code MAP_SHARED} and
   * {@code PROT_READ} exactly, not populated, of a file of the default file system whose name is in
   * ASCII (whose bytes the JDK and {@link NativeNames} agree on) and that is a regular file whose
   * size is not a multiple of 64 KiB (which any file of {@code hugetlbfs} is), while no thread
   * waits for {@link Reclaim}. Any failure of the JDK's calls is not reported from here: the OS
   * layer then makes the map, and reports the failure as it always does, with its errno and
   * message, or succeeds where the failure was the JDK's own (an interrupt, which closes a {@code
   * FileChannel}). The checks of the length and offset are the OS layer's, in its order, so they
   * fail here as they would there.
   *
   * <p>The JDK opens the file without {@code O_NONBLOCK}, so the file's type is looked at by name
   * first: a FIFO, which would block the open, goes to the OS layer. A FIFO put in the file's place
   * between that look and the open would still block it, until a writer opens the FIFO. The
   * descriptor the JDK opens is not close-on-exec, as none of the JDK's is; {@code ProcessBuilder}
   * closes it in the child.
   */
  private Region throughJdk(Source.File f, Request r, Mode mode) throws IOException {
    Path path = f.path();
    if (path.getFileSystem() != FileSystems.getDefault()
        || !mode.readOnly()
        || mode.flags() != MAP_SHARED
        || mode.prot() != PROT_READ
        || r.populate()
        || Generation.shortage()
        || Thread.currentThread().isInterrupted()
        || !ascii(path.toString())) {
      return null;
    }
    BasicFileAttributes a;
    FileChannel channel;
    try {
      a =
          Files.readAttributes(
              path, BasicFileAttributes.class, f.followLinks() ? FOLLOW : NOFOLLOW);
      if (!a.isRegularFile() || a.size() % WHOLE_HUGE_PAGES == 0) {
        return null;
      }
      channel = FileChannel.open(path, f.followLinks() ? READ : READ_NOFOLLOW);
    } catch (IOException | RuntimeException e) {
      return null;
    }
    long length;
    try {
      // the size the look by name found: the JDK's map reads it again from the descriptor and
      // fails if the file is now shorter than the map, which the OS layer then makes or refuses
      length = checkSize(r.length(), r.offset(), a.size());
      checkAlignment(r.offset(), os.pageSize());
    } catch (RuntimeException e) {
      closeQuietly(channel);
      throw e;
    }
    JdkFileBacking b = new JdkFileBacking(os, channel, r.offset(), path.toString());
    Region.Facts facts =
        new Region.Facts(
            mode, r.offset(), false, r.trackFd(), true, path, os.pageSize(), r.confined());
    Region region;
    try {
      region = Region.open(b, length, facts, createdAt()); // closes the channel on failure
    } catch (IOException e) {
      return null;
    }
    return untracked(region, b, r.trackFd());
  }

  /**
   * {@return whether every char of {@code s} is ASCII}, so that the bytes of a name are the same in
   * any encoding a file name can have ({@link NativeNames})
   */
  static boolean ascii(String s) {
    for (int i = 0; i < s.length(); i++) {
      if (s.charAt(i) >= 0x80) {
        return false;
      }
    }
    return true;
  }

  private static void closeQuietly(FileChannel channel) {
    try {
      channel.close();
    } catch (IOException ignored) {
      // the map is made by the OS layer instead, or the failure being reported matters more
    }
  }

  /** The checks CPython makes before it looks at the file, in its order. */
  private static Mode check(Request r) {
    if (r.length() < 0) {
      throw new IllegalArgumentException(
          "memory mapped length must be positive: length=" + r.length());
    }
    if (r.offset() < 0) {
      throw new IllegalArgumentException(
          "memory mapped offset must be positive: offset=" + r.offset());
    }
    return Mode.resolve(r.access(), r.flags(), r.prot(), r.anonymous());
  }

  /** {@return the region}, its descriptor closed when the map is not to keep it */
  static Region untracked(Region region, Backing b, boolean trackFd) throws IOException {
    if (!trackFd) {
      try {
        b.close();
      } catch (IOException | RuntimeException e) {
        try {
          region.close();
        } catch (IOException | RuntimeException again) {
          e.addSuppressed(again);
        }
        throw e;
      }
    }
    return region;
  }

  static Throwable createdAt() {
    return DEBUG_LEAKS ? new Throwable("the map was created here") : null;
  }

  /**
   * {@return the length to map} CPython's checks for regular files; {@code fileSize} is -1 for
   * other files, which are not checked.
   */
  static long checkSize(long length, long offset, long fileSize) {
    if (fileSize < 0) {
      return length;
    }
    if (length == 0) {
      if (fileSize == 0) {
        throw new IllegalArgumentException("cannot mmap an empty file");
      }
      if (offset >= fileSize) {
        throw new IllegalArgumentException(
            "mmap offset is greater than file size: offset=" + offset + " size=" + fileSize);
      }
      return fileSize - offset;
    }
    if (offset > fileSize || fileSize - offset < length) {
      throw new IllegalArgumentException(
          "mmap length is greater than file size: length="
              + length
              + " offset="
              + offset
              + " size="
              + fileSize);
    }
    return length;
  }

  static void checkAlignment(long offset, long granularity) {
    if (offset % granularity != 0) {
      throw new IllegalArgumentException(
          "offset % ALLOCATIONGRANULARITY != 0: offset=" + offset + " granularity=" + granularity);
    }
  }
}
