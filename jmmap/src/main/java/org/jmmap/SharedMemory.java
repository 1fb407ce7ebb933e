package org.jmmap;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Objects;
import org.jmmap.internal.map.Opener;
import org.jmmap.internal.map.Request;
import org.jmmap.internal.map.Source;

/**
 * Named shared memory that any process can attach to by name, compatible with Python's {@code
 * multiprocessing.shared_memory.SharedMemory} on POSIX: the same names, the same files ({@code
 * /dev/shm/<name>} on Linux, as {@code shm_open} makes them), the same creation rules.
 *
 * {@snippet :
 * try (SharedMemory shm = SharedMemory.create(null, 1024)) {   // a new name: psm_xxxxxxxx
 *   shm.mmap().write("hello".getBytes(StandardCharsets.US_ASCII));
 *   // Python: SharedMemory(name).buf[:5] == b"hello"
 *   shm.unlink();
 * }
 * }
 *
 * <p>{@link #close()} releases this process's mapping; {@link #unlink()} removes the name, after
 * which the memory lives on until every process has closed it.
 */
public final class SharedMemory implements AutoCloseable {
  /** Where {@code shm_open} keeps named shared memory on Linux. */
  private static final Path SHM_DIR = Path.of("/dev/shm");

  private static final int NAME_MAX = 255;
  private static final SecureRandom RANDOM = new SecureRandom();

  private final String name;
  private final Mmap mmap;

  private SharedMemory(String name, Mmap mmap) {
    this.name = name;
    this.mmap = mmap;
  }

  /**
   * Creates new shared memory, readable and writable by this user only (mode {@code 0600}), and
   * zero-filled. Its pages are reserved now, so that a later write cannot fail for lack of space.
   *
   * <p>The memory appears under its name only once it has its size and its pages: a process that
   * opens the name meanwhile finds no such object or all of it, and a process killed while it
   * creates leaves nothing under the name. Of two processes creating one name, exactly one
   * succeeds; the other gets {@link java.nio.file.FileAlreadyExistsException}.
   *
   * @apiNote Python's {@code SharedMemory(name, create=True, size=n)} creates the object empty and
   *     sizes it afterwards, so an {@code open} racing it can find it empty ({@code ValueError}).
   *     jmmap makes the object without a name ({@code O_TMPFILE}) and links it to its name once it
   *     is whole; where the file system cannot do that, it uses a hidden temporary name ({@code
   *     .jmmap-} and 16 hex digits) instead, which a crash at the wrong moment can leave behind.
   * @param name the name, or null for a new one: {@code psm_} and 8 hex digits, as Python makes
   * @param size the size in bytes, at least 1
   * @return the shared memory, mapped
   * @throws java.nio.file.FileAlreadyExistsException if the name is taken
   * @throws IOException if the memory cannot be created
   * @throws IllegalArgumentException if the name is not valid or the size is not positive
   */
  public static SharedMemory create(String name, long size) throws IOException {
    return create(name, size, 0600);
  }

  /**
   * Creates new shared memory with the given permission bits (the umask applies), appearing under
   * its name only once it is whole, as {@link #create(String, long)} does.
   *
   * @param name the name, or null for a new one
   * @param size the size in bytes, at least 1
   * @param mode the permission bits, e.g. {@code 0660}
   * @return the shared memory, mapped
   * @throws java.nio.file.FileAlreadyExistsException if the name is taken
   * @throws IOException if the memory cannot be created
   * @throws IllegalArgumentException if the name is not valid, the size is not positive or the mode
   *     has bits other than permission bits
   * @throws UnsupportedOperationException on the portable backing, which has no named shared memory
   */
  public static SharedMemory create(String name, long size, int mode) throws IOException {
    if (size <= 0) {
      throw new IllegalArgumentException("'size' must be a positive number: size=" + size);
    }
    if ((mode & ~0777) != 0) {
      throw new IllegalArgumentException(
          "mode must hold permission bits only: mode=0" + Integer.toOctalString(mode));
    }
    boolean generated = name == null;
    for (int attempt = 0; ; attempt++) {
      String n = generated ? newName() : validate(name);
      try {
        return createNamed(n, size, mode);
      } catch (java.nio.file.FileAlreadyExistsException e) {
        if (!generated || attempt > 100) {
          throw e;
        }
      }
    }
  }

  private static SharedMemory createNamed(String name, long size, int mode) throws IOException {
    Opener.system().requireNative("SharedMemory (named shared memory in " + SHM_DIR + ")");
    return new SharedMemory(
        name,
        Mmap.open(Request.sharedWrite(new Source.NewFile(SHM_DIR.resolve(name), mode), size)));
  }

  /**
   * Attaches to existing shared memory, made by this or any other process (Python's {@code
   * SharedMemory(name)}); the whole of it is mapped.
   *
   * @param name the name
   * @return the shared memory, mapped
   * @throws java.nio.file.NoSuchFileException if there is no shared memory of that name
   * @throws IOException if it cannot be mapped
   * @throws IllegalArgumentException if the name is not valid, or the memory is empty
   * @throws UnsupportedOperationException on the portable backing, which has no named shared memory
   */
  public static SharedMemory open(String name) throws IOException {
    String n = validate(name);
    Opener.system().requireNative("SharedMemory (named shared memory in " + SHM_DIR + ")");
    // like shm_open: a symbolic link planted under the name is refused (ELOOP), never followed
    return new SharedMemory(
        n, Mmap.open(Request.sharedWrite(new Source.File(SHM_DIR.resolve(n), false), 0)));
  }

  private static String newName() {
    return "psm_" + HexFormat.of().toHexDigits(RANDOM.nextInt());
  }

  private static String validate(String name) {
    Objects.requireNonNull(name, "name");
    String problem =
        name.isEmpty()
            ? "it is empty"
            : name.indexOf('/') >= 0
                ? "it contains '/'"
                : name.indexOf('\0') >= 0
                    ? "it contains a NUL character"
                    : name.equals(".") || name.equals("..")
                        ? "it is '.' or '..'"
                        : name.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > NAME_MAX
                            ? "it is longer than " + NAME_MAX + " bytes"
                            : null;
    if (problem != null) {
      throw new IllegalArgumentException(
          "not a valid shared memory name, " + problem + ": '" + name + "'");
    }
    return name;
  }

  /** {@return the name, without the leading slash of {@code shm_open}, as Python reports it} */
  public String name() {
    return name;
  }

  /** {@return the file that holds the memory, e.g. {@code /dev/shm/psm_0a1b2c3d}} */
  public Path path() {
    return SHM_DIR.resolve(name);
  }

  /**
   * {@return the size of the shared memory in bytes}
   *
   * @throws IllegalStateException if this object is closed
   */
  public long size() {
    return mmap.length();
  }

  /**
   * {@return the map of the shared memory} It is closed by {@link #close()}.
   *
   * @throws IllegalStateException if this object is closed
   */
  public Mmap mmap() {
    mmap.segment();
    return mmap;
  }

  /** Unmaps the memory in this process. Idempotent; the memory and its name stay. */
  @Override
  public void close() {
    mmap.close();
  }

  /**
   * Removes the name, so no other process can attach to it any more; the memory itself lives on
   * until every process that maps it has closed it. Call it once, from one process.
   *
   * @throws java.nio.file.NoSuchFileException if the name was removed already
   * @throws IOException if it cannot be removed
   */
  public void unlink() throws IOException {
    Files.delete(path());
  }

  @Override
  public String toString() {
    return "SharedMemory[name=" + name + ", " + mmap + "]";
  }
}
