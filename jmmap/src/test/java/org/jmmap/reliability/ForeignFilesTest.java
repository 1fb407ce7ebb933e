package org.jmmap.reliability;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystem;
import java.nio.file.FileSystemException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.ProviderMismatchException;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.random.RandomGenerator;
import java.util.random.RandomGeneratorFactory;
import org.jmmap.Access;
import org.jmmap.Backings;
import org.jmmap.Mmap;
import org.jmmap.SharedMemory;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * jmmap opens the file the caller names and no other: shared memory never follows a symlink that
 * someone planted in {@code /dev/shm}, a {@code Path} of another file system is refused rather than
 * mapped by its string, and a file name that the operating system spells with bytes Java cannot
 * encode is mapped exactly or refused, never confused with another file (the portable backing,
 * which opens a file through the JDK's {@code Path} and the name's bytes it keeps, maps it).
 */
class ForeignFilesTest {
  private static final Path SHM = Path.of("/dev/shm");
  private static final byte[] MARK = "MARK".getBytes(StandardCharsets.US_ASCII);
  private static final FileTime OLD = FileTime.fromMillis(981_173_106_000L); // 2001-02-03

  @TempDir Path dir;

  private final long seed = System.nanoTime();
  private final RandomGenerator random = RandomGeneratorFactory.of("L64X128MixRandom").create(seed);

  private String seedNote() {
    return " (seed " + seed + ")";
  }

  private String uniqueName(String what) {
    return "jmmap_sec_"
        + what
        + "_"
        + ProcessHandle.current().pid()
        + "_"
        + HexFormat.of().toHexDigits(random.nextLong());
  }

  private static UserPrincipal nobody() throws IOException {
    try {
      return FileSystems.getDefault()
          .getUserPrincipalLookupService()
          .lookupPrincipalByName("nobody");
    } catch (IOException e) {
      Assumptions.abort("there is no user nobody to plant files as: " + e);
      throw e;
    }
  }

  /** Gives {@code p} itself, not what it points to, to {@code owner}, as if they had made it. */
  private static void chownNoFollow(Path p, UserPrincipal owner) throws IOException {
    try {
      Files.getFileAttributeView(p, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
          .setOwner(owner);
    } catch (IOException e) {
      Assumptions.abort("cannot give " + p + " to " + owner + " (not root?): " + e);
    }
  }

  /** A file that must survive: its bytes and its modification time are checked afterwards. */
  private record Victim(Path path, byte[] bytes, FileTime mtime) {
    static Victim make(Path path, byte[] bytes) throws IOException {
      Files.write(path, bytes);
      Files.setLastModifiedTime(path, OLD);
      return new Victim(path, bytes, OLD);
    }

    void restore() throws IOException {
      Files.write(path, bytes);
      Files.setLastModifiedTime(path, mtime);
    }

    void assertUntouched(String how) throws IOException {
      assertArrayEquals(bytes, Files.readAllBytes(path), how + " changed the bytes of " + path);
      assertEquals(
          mtime,
          Files.getLastModifiedTime(path),
          how + " changed the modification time of " + path);
      assertEquals(bytes.length, Files.size(path), how + " changed the size of " + path);
    }
  }

  private byte[] randomBytes(int n) {
    byte[] b = new byte[n];
    random.nextBytes(b);
    return b;
  }

  private static void deleteQuietly(Path p) {
    try {
      Files.deleteIfExists(p);
    } catch (IOException ignored) {
      // the test's own outcome matters more than a leftover entry
    }
  }

  // ---------------------------------------------------------------- symlinks in /dev/shm

  /**
   * Opens {@code name} and writes into it, as a caller that trusts the name would; returns the
   * exception, or null if the open succeeded.
   */
  private static IOException openAndWrite(String name) {
    try (SharedMemory s = SharedMemory.open(name)) {
      s.mmap().write(MARK);
      return null;
    } catch (IOException e) {
      return e;
    }
  }

  private void openRefusesAPlantedSymlink(boolean ownedByNobody) throws IOException {
    Victim victim = Victim.make(dir.resolve("victim.txt"), randomBytes(4096));
    String name = uniqueName("link");
    Path link = SHM.resolve(name);
    try {
      Files.createSymbolicLink(link, victim.path());
      if (ownedByNobody) {
        chownNoFollow(link, nobody());
      }
      String how =
          "SharedMemory.open(\""
              + name
              + "\") on a symlink "
              + link
              + " -> "
              + victim.path()
              + " owned by "
              + (ownedByNobody ? "nobody" : "the caller")
              + seedNote();
      IOException refused = openAndWrite(name);
      victim.assertUntouched(how);
      assertNotNull(refused, how + " followed the symlink and mapped its target");
      assertTrue(
          refused instanceof FileSystemException && refused.getMessage().contains(name),
          how + " threw an exception that does not name the entry: " + refused);
      assertTrue(Files.isSymbolicLink(link), how + " removed the planted symlink");
    } finally {
      deleteQuietly(link);
    }
  }

  @Test
  void sharedMemoryOpenRefusesASymlinkPlantedByAnotherUserAndLeavesItsTargetAlone()
      throws IOException {
    Backings.assumeSharedMemory();
    openRefusesAPlantedSymlink(true);
  }

  @Test
  void sharedMemoryOpenRefusesASymlinkOwnedByTheCallerAndLeavesItsTargetAlone() throws IOException {
    Backings.assumeSharedMemory();
    openRefusesAPlantedSymlink(false);
  }

  @Test
  void sharedMemoryCreateOnAPlantedSymlinkThrowsFileAlreadyExistsAndCreatesNothing()
      throws IOException {
    Backings.assumeSharedMemory();
    UserPrincipal nobody = nobody();
    Victim victim = Victim.make(dir.resolve("victim.txt"), randomBytes(4096));
    Path absent = dir.resolve("absent.bin");
    for (Path target : List.of(absent, victim.path())) {
      for (boolean ownedByNobody : new boolean[] {true, false}) {
        String name = uniqueName("create");
        Path link = SHM.resolve(name);
        String how =
            "SharedMemory.create(\""
                + name
                + "\", 8192) over a symlink owned by "
                + (ownedByNobody ? "nobody" : "the caller")
                + " to "
                + (target.equals(absent) ? "the absent " : "the existing ")
                + target
                + seedNote();
        SharedMemory made = null;
        try {
          Files.createSymbolicLink(link, target);
          if (ownedByNobody) {
            chownNoFollow(link, nobody);
          }
          IOException refused = null;
          try {
            made = SharedMemory.create(name, 8192);
            made.mmap().write(MARK);
          } catch (IOException e) {
            refused = e;
          }
          assertFalse(
              Files.exists(absent, LinkOption.NOFOLLOW_LINKS),
              how + " created the symlink's target");
          victim.assertUntouched(how);
          assertTrue(
              refused instanceof FileAlreadyExistsException,
              how + " did not throw FileAlreadyExistsException but " + refused);
          assertTrue(
              Files.isSymbolicLink(link) && Files.readSymbolicLink(link).equals(target),
              how + " removed or changed the planted symlink");
        } finally {
          if (made != null) {
            made.close();
          }
          deleteQuietly(link);
          deleteQuietly(absent);
        }
      }
    }
  }

  /** {@return what SharedMemory.open threw on the entry, within a bound: it must not hang} */
  private static Exception openFails(String name, String how) {
    return assertTimeoutPreemptively(
        Duration.ofSeconds(30),
        () -> {
          try (SharedMemory s = SharedMemory.open(name)) {
            fail(how + " gave " + s + " instead of an exception");
            return null;
          } catch (IOException | IllegalArgumentException e) {
            return e;
          }
        },
        how + " did not return within 30 s");
  }

  private static void createSays(String name, String how) {
    try (SharedMemory s = SharedMemory.create(name, 4096)) {
      fail(how + ": SharedMemory.create gave " + s + " instead of FileAlreadyExistsException");
    } catch (FileAlreadyExistsException expected) {
      // the name is taken
    } catch (IOException e) {
      throw new AssertionError(
          how + ": SharedMemory.create threw " + e + " instead of FileAlreadyExistsException", e);
    }
  }

  @Test
  void aFifoPlantedInDevShmGivesAClearExceptionAndNeverHangs() throws Exception {
    Backings.assumeSharedMemory();
    String name = uniqueName("fifo");
    Path fifo = SHM.resolve(name);
    try {
      Process mk = new ProcessBuilder("mkfifo", "-m", "666", fifo.toString()).inheritIO().start();
      assertEquals(0, mk.waitFor(), "mkfifo " + fifo);
      chownNoFollow(fifo, nobody());
      String how = "SharedMemory.open(\"" + name + "\") on a FIFO planted by nobody" + seedNote();
      Exception e = openFails(name, how);
      assertTrue(
          String.valueOf(e.getMessage()).contains(name),
          how + " threw an exception that does not name the entry: " + e);
      createSays(name, how);
      assertTrue(
          Files.readAttributes(fifo, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS)
              .isOther(),
          how + " replaced the FIFO");
    } finally {
      deleteQuietly(fifo);
    }
  }

  @Test
  void aDirectoryPlantedInDevShmGivesAClearException() throws Exception {
    Backings.assumeSharedMemory();
    String name = uniqueName("dir");
    Path d = SHM.resolve(name);
    try {
      Files.createDirectory(
          d, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxrwxrwx")));
      chownNoFollow(d, nobody());
      String how =
          "SharedMemory.open(\"" + name + "\") on a directory planted by nobody" + seedNote();
      Exception e = openFails(name, how);
      assertTrue(
          String.valueOf(e.getMessage()).contains(name),
          how + " threw an exception that does not name the entry: " + e);
      createSays(name, how);
      assertTrue(Files.isDirectory(d, LinkOption.NOFOLLOW_LINKS), how + " removed the directory");
    } finally {
      deleteQuietly(d);
    }
  }

  @Test
  void aWorldWritableFilePlantedInDevShmIsMappedExactlyItself() throws Exception {
    Backings.assumeSharedMemory();
    String name = uniqueName("file");
    Path f = SHM.resolve(name);
    byte[] content = randomBytes(3 * Mmap.PAGESIZE + 100);
    try {
      Files.write(f, content);
      Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-rw-rw-"));
      chownNoFollow(f, nobody());
      String how =
          "SharedMemory on a regular file of mode 0666 planted by nobody as \""
              + name
              + "\""
              + seedNote();
      createSays(name, how);
      assertArrayEquals(content, Files.readAllBytes(f), how + ": create changed the file");
      try (SharedMemory s = SharedMemory.open(name)) {
        assertEquals(content.length, s.size(), how + ": the size of what open mapped");
        assertArrayEquals(
            content,
            s.mmap().slice(0, content.length),
            how + ": open mapped other bytes than the file's");
        s.mmap().write(MARK);
      }
      byte[] now = Files.readAllBytes(f);
      assertArrayEquals(
          MARK,
          java.util.Arrays.copyOf(now, MARK.length),
          how + ": a write through the map did not reach the file");
    } finally {
      deleteQuietly(f);
    }
  }

  // ---------------------------------------------------------------- other file systems

  interface Mapper {
    Mmap map(Path p) throws IOException;
  }

  @Test
  void aPathOfAZipFileSystemIsRefusedAndTheOrdinaryFileOfTheSameNameIsUntouched() throws Exception {
    Path d = Files.createDirectory(dir.resolve("d"));
    Victim ordinary =
        Victim.make(
            d.resolve("data.txt"),
            "the ordinary file, not the zip entry\n".getBytes(StandardCharsets.US_ASCII));
    URI zip = URI.create("jar:" + dir.resolve("archive.zip").toUri());
    try (FileSystem zipFs = FileSystems.newFileSystem(zip, Map.of("create", "true"))) {
      Path inZip = zipFs.getPath(ordinary.path().toString());
      Files.createDirectories(inZip.getParent());
      Files.write(inZip, "the zip entry\n".getBytes(StandardCharsets.US_ASCII));
      List<Map.Entry<String, Mapper>> calls =
          List.of(
              Map.entry("Mmap.map(path, 0, Access.WRITE)", p -> Mmap.map(p, 0, Access.WRITE)),
              Map.entry("Mmap.map(path, 0, Access.WRITE, 0)", p -> Mmap.map(p, 0, Access.WRITE, 0)),
              Map.entry(
                  "Mmap.options().access(Access.WRITE).map(path)",
                  p -> Mmap.options().access(Access.WRITE).map(p)),
              Map.entry("Mmap.options().map(path)", p -> Mmap.options().map(p)));
      List<String> wrong = new ArrayList<>();
      for (Map.Entry<String, Mapper> call : calls) {
        String how = call.getKey() + " with the zip file system's " + inZip;
        try (Mmap m = call.getValue().map(inZip)) {
          m.write(MARK); // what a caller does with the map it believes is of the zip entry
          wrong.add(how + " mapped " + m);
        } catch (ProviderMismatchException e) {
          String msg = String.valueOf(e.getMessage());
          if (!msg.contains(inZip.toString())
              || !msg.toLowerCase(Locale.ROOT).contains("default file system")) {
            wrong.add(
                how
                    + " threw ProviderMismatchException without naming the path and the"
                    + " default file system: "
                    + msg);
          }
        } catch (IOException | RuntimeException e) {
          wrong.add(how + " threw " + e + " instead of ProviderMismatchException");
        }
        try {
          ordinary.assertUntouched(how);
        } catch (AssertionError e) {
          wrong.add(e.getMessage());
          ordinary.restore();
        }
      }
      assertTrue(wrong.isEmpty(), String.join("\n", wrong));
    }
  }

  // ---------------------------------------------------------------- names Java cannot encode

  private static final byte[] RAW = {(byte) 0xff, (byte) 0xfe};
  private static final byte[] DECOY = "\uFFFD\uFFFD".getBytes(StandardCharsets.UTF_8);
  private static final byte[] ACCENTED = "é-ü.bin".getBytes(StandardCharsets.UTF_8);

  /**
   * Makes files whose names are exactly the given bytes, which Java cannot always spell: each of
   * {@code files} is a directory, the name's bytes in hex and the content.
   */
  private static void rawFiles(List<List<String>> files) throws Exception {
    String script =
        "import os, sys\n"
            + "a = sys.argv[1:]\n"
            + "for i in range(0, len(a), 3):\n"
            + "  fd = os.open(os.fsencode(a[i]) + b'/' + bytes.fromhex(a[i + 1]),"
            + " os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)\n"
            + "  os.write(fd, a[i + 2].encode('ascii'))\n"
            + "  os.close(fd)\n";
    List<String> command = new ArrayList<>(List.of("python3", "-c", script));
    files.forEach(command::addAll);
    Process p = new ProcessBuilder(command).inheritIO().start();
    assertEquals(0, p.waitFor(), "python3 could not create the files " + files);
  }

  private static List<String> rawFile(Path d, byte[] name, String content) {
    return List.of(d.toString(), HexFormat.of().formatHex(name), content);
  }

  /**
   * Maps every entry of two directories in a child JVM under a locale: one with a name of bytes
   * that are not UTF-8 and one spelled with ordinary accented letters, and another with a decoy
   * too, named with the UTF-8 of the replacement characters the first name decodes to.
   */
  private void namesUnder(List<Map<String, String>> locales, boolean utf8) throws Exception {
    Path plain = Files.createDirectory(dir.resolve("plain"));
    Path decoyed = Files.createDirectory(dir.resolve("decoyed"));
    rawFiles(
        List.of(
            rawFile(plain, RAW, "raw-fffe"),
            rawFile(plain, ACCENTED, "accented"),
            rawFile(decoyed, RAW, "raw-fffe"),
            rawFile(decoyed, ACCENTED, "accented"),
            rawFile(decoyed, DECOY, "decoy-efbfbd-efbfbd")));
    String report = null;
    ContractChild.Result r = null;
    // the first locale that gives the child the expected encoding; a machine may lack one
    for (Map<String, String> locale : locales) {
      Map<String, String> env = new java.util.HashMap<>();
      for (String v : List.of("LANG", "LANGUAGE", "LC_ALL", "LC_CTYPE")) {
        env.put(v, null);
      }
      env.putAll(locale);
      r = ContractChild.run(dir, "", env, List.of(), "names", plain.toString(), decoyed.toString());
      report =
          "mapping names that are not UTF-8 under "
              + locale
              + ": exit status "
              + r.status()
              + ", output:\n"
              + r.output();
      if (r.output().contains("sun.jnu.encoding UTF-8") == utf8) {
        break;
      }
    }
    assertEquals(0, r.status(), report);
    assertEquals(
        utf8,
        r.output().contains("sun.jnu.encoding UTF-8"),
        "no locale of "
            + locales
            + " gives the child the encoding this check needs, so it"
            + " would prove nothing: "
            + report);
    List<String> wrong = new ArrayList<>();
    int entries = 0;
    for (String line : r.output().lines().toList()) {
      if (!line.startsWith("entry ")) {
        continue;
      }
      entries++;
      String label = line.substring("entry ".length(), line.indexOf(':'));
      if (line.contains(": mapped ")) {
        if (!line.contains("mapped read=" + label + ";")) {
          wrong.add("the map of the entry holding \"" + label + "\" read another file: " + line);
        }
        if (!line.contains("wroteSelf=true")) {
          wrong.add("a write through the map of \"" + label + "\" did not reach it: " + line);
        }
      } else if (line.contains(": refused ") && Backings.portable()) {
        wrong.add(
            "\""
                + label
                + "\" was refused by the portable backing, which opens it through the JDK's Path"
                + " and the bytes of its name that the Path keeps: it must be mapped exactly: "
                + line);
      } else if (line.contains(": refused ")) {
        String reason =
            line.substring(
                line.indexOf(" reason=") + " reason=".length(), line.indexOf(" message="));
        if (line.contains("NoSuchFileException")
            || line.contains("AccessDeniedException")
            || !reason.toLowerCase(Locale.ROOT).contains("name")) {
          wrong.add(
              "\""
                  + label
                  + "\" was refused with an exception that does not say its name"
                  + " cannot be passed to the operating system exactly: "
                  + line);
        }
        if (utf8 && label.equals("accented")) {
          wrong.add(
              "a name of ordinary accented letters was refused under a UTF-8 locale: " + line);
        }
      } else {
        wrong.add("\"" + label + "\" failed: " + line);
      }
      if (!line.endsWith("changedOthers=[]")) {
        wrong.add("mapping \"" + label + "\" wrote another file: " + line);
      }
    }
    assertEquals(5, entries, "the child did not report every entry: " + report);
    assertTrue(wrong.isEmpty(), String.join("\n", wrong) + "\n" + report);
  }

  @Test
  void namesThatAreNotUtf8AreMappedExactlyOrRefusedUnderAUtf8Locale() throws Exception {
    namesUnder(List.of(Map.of("LANG", "C.UTF-8"), Map.of("LANG", "en_US.UTF-8")), true);
  }

  @Test
  void namesThatAreNotAsciiAreMappedExactlyOrRefusedUnderTheCLocale() throws Exception {
    namesUnder(List.of(Map.of("LC_ALL", "C", "LANG", "C")), false);
  }
}
