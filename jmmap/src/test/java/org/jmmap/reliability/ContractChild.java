package org.jmmap.reliability;

import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.jmmap.Access;
import org.jmmap.Advice;
import org.jmmap.Backings;
import org.jmmap.Mmap;
import org.jmmap.SharedMemory;
import org.jmmap.Whence;
import org.jmmap.interop.ProcessRunner;

/**
 * What {@link ReclaimTest} and {@link ForeignFilesTest} run in a second JVM: under a descriptor or
 * address-space limit set by the shell that starts it, or under another locale.
 */
public final class ContractChild {
  private ContractChild() {}

  /** How a child ended: its status and everything it printed, standard error included. */
  record Result(int status, String output) {}

  /**
   * Runs this main in a child JVM with this one's class path, through {@code sh -c} so that {@code
   * shellPrefix} (e.g. {@code ulimit -n 256}) applies to it; {@code env} is added to its
   * environment (a null value removes a variable).
   */
  static Result run(
      Path errorDir,
      String shellPrefix,
      Map<String, String> env,
      List<String> jvmOptions,
      String... args)
      throws IOException, InterruptedException {
    List<String> java = new ArrayList<>(ProcessRunner.javaCommand(ContractChild.class, args));
    java.add(1, "-XX:ErrorFile=" + errorDir.resolve("hs_err_%p.log"));
    java.addAll(2, jvmOptions);
    List<String> command =
        new ArrayList<>(
            List.of(
                "sh",
                "-c",
                (shellPrefix.isEmpty() ? "" : shellPrefix + " && ") + "exec \"$0\" \"$@\""));
    command.addAll(java);
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
    env.forEach(
        (k, v) -> {
          if (v == null) {
            pb.environment().remove(k);
          } else {
            pb.environment().put(k, v);
          }
        });
    Process p = pb.start();
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(2, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      return new Result(-1, out + "\n(timed out)");
    }
    StringBuilder crash = new StringBuilder();
    try (Stream<Path> s = Files.list(errorDir)) {
      for (Path hs : s.filter(f -> f.getFileName().toString().startsWith("hs_err")).toList()) {
        for (String line : Files.readAllLines(hs)) {
          if (line.startsWith("# Problematic frame:")
              || line.startsWith("# C ")
              || line.startsWith("# J ")
              || line.startsWith("# V ")) {
            crash.append('\n').append(line);
          }
        }
      }
    }
    return new Result(p.exitValue(), out + crash);
  }

  /**
   * Runs one check and prints what it saw; a failure ends the JVM with a non-zero status.
   *
   * @param args the check and its arguments
   * @throws Exception if the check fails
   */
  public static void main(String[] args) throws Exception {
    Backings.checkChild();
    switch (args[0]) {
      case "reclaim" ->
          reclaim(args[1], Integer.parseInt(args[2]), Path.of(args[3]), Long.parseLong(args[4]));
      case "reclaim-threads" ->
          ReclaimThreadsChild.many(
              Integer.parseInt(args[1]),
              Integer.parseInt(args[2]),
              Integer.parseInt(args[3]),
              Path.of(args[4]),
              Long.parseLong(args[5]),
              args[6]);
      case "shortage" ->
          ReclaimThreadsChild.shortage(
              Integer.parseInt(args[1]), Integer.parseInt(args[2]), Path.of(args[3]));
      case "names" -> {
        System.out.println("sun.jnu.encoding " + System.getProperty("sun.jnu.encoding"));
        for (int i = 1; i < args.length; i++) {
          names(Path.of(args[i]));
        }
      }
      case "exhausted" -> exhausted(Path.of(args[1]));
      default -> throw new IllegalArgumentException("no such check: " + args[0]);
    }
  }

  /**
   * Maps a file and anonymous memory, takes every descriptor left, then calls what a map offers
   * beyond its first map and read (each may first need a class of jmmap then), and prints what
   * failed; then gives the descriptors back and calls them again.
   */
  static void exhausted(Path dir) throws Exception {
    Path file = dir.resolve("exhausted.txt");
    StringBuilder text = new StringBuilder();
    for (int i = 0; i < 200; i++) {
      text.append("line ").append(i).append(" of the file, long enough to pass a first scan\n");
    }
    Files.writeString(file, text);
    try (Mmap m = Mmap.map(file, 0, Access.WRITE);
        Mmap a = Mmap.options().flags(Mmap.MAP_PRIVATE).anonymous(1 << 16)) {
      List<String> failed = new ArrayList<>();
      check(failed, "nothing", () -> null); // this class's own helpers, loaded while it can
      List<java.nio.channels.FileChannel> held = new ArrayList<>();
      try {
        while (true) {
          held.add(java.nio.channels.FileChannel.open(file));
        }
      } catch (IOException e) {
        System.out.println("descriptors exhausted after " + held.size() + ": " + e);
      }
      // huge pages read the kernel's settings first: a shortage of descriptors is reported as one
      try (Mmap h = Mmap.options().flags(Mmap.MAP_PRIVATE).hugePages(true).anonymous(4096)) {
        System.out.println("hugePages while exhausted: mapped " + h.length());
      } catch (Throwable t) {
        System.out.println("hugePages while exhausted: " + t);
      }
      for (int round = 0; round < 2; round++) {
        failed.clear();
        check(failed, "seek", () -> m.seek(0, Whence.SET));
        check(failed, "readLine", () -> m.readLine());
        check(failed, "find", () -> m.find("line 150".getBytes(StandardCharsets.US_ASCII)));
        check(failed, "rfind", () -> m.rfind("line 3 ".getBytes(StandardCharsets.US_ASCII)));
        check(failed, "count", () -> m.count("line".getBytes(StandardCharsets.US_ASCII)));
        check(failed, "findAll", () -> m.findAll(new byte[] {'\n'}).count());
        check(failed, "lines", () -> m.lines(StandardCharsets.ISO_8859_1).count());
        check(failed, "lineSegments", () -> m.lineSegments().count());
        check(failed, "matches", () -> m.matches(Pattern.compile("line (\\d+)")).count());
        check(failed, "read", () -> m.read(100));
        check(failed, "write", () -> m.write(new byte[] {'l'}));
        check(failed, "inputStream", () -> m.inputStream().read());
        check(failed, "asCharSequence", () -> m.asCharSequence().charAt(5));
        check(
            failed,
            "getLongs",
            () -> {
              m.getLongs(0, new long[4], 0, 4, ByteOrder.BIG_ENDIAN);
              return null;
            });
        check(failed, "compareAndSetLong", () -> a.compareAndSetLong(0, 0, 1));
        check(failed, "getAndAddInt", () -> a.getAndAddInt(8, 1));
        check(failed, "slice", () -> m.slice(0, 10));
        check(
            failed,
            "flush",
            () -> {
              m.flush();
              return null;
            });
        check(
            failed,
            "madvise",
            () -> {
              m.madvise(Advice.WILLNEED);
              return null;
            });
        check(failed, "toString", () -> m.toString());
        System.out.println("round " + round + " failed: " + failed);
        for (java.nio.channels.FileChannel c : held) {
          c.close();
        }
        held.clear();
      }
    }
  }

  /** A call that may fail. */
  private interface Call {
    Object run() throws Exception;
  }

  private static void check(List<String> failed, String name, Call call) {
    try {
      call.run();
    } catch (Throwable t) {
      failed.add(name + ": " + t);
    }
  }

  /** {@return the soft limit of one line of /proc/self/limits, e.g. "Max open files"} */
  static String softLimit(String what) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/self/limits"))) {
      if (line.startsWith(what)) {
        return line.substring(what.length()).trim().split("\\s+")[0];
      }
    }
    return "unknown";
  }

  /**
   * Makes {@code count} maps of one kind and drops each unclosed, touching each once; says at which
   * one it failed, if it did.
   */
  static void reclaim(String kind, int count, Path dir, long size) throws Exception {
    System.out.println("open files limit " + softLimit("Max open files"));
    System.out.println("address space limit " + softLimit("Max address space"));
    Path file = dir.resolve("reclaim.bin");
    try (java.io.RandomAccessFile raf = new java.io.RandomAccessFile(file.toFile(), "rw")) {
      raf.setLength(size);
    }
    String shmName = "jmmap_reclaim_" + ProcessHandle.current().pid();
    SharedMemory kept = kind.equals("shm-open") ? SharedMemory.create(shmName, size) : null;
    String failure = null;
    try {
      for (int i = 0; i < count && failure == null; i++) {
        try {
          makeAndDrop(kind, file, shmName, size, i);
        } catch (Throwable e) { // a class that cannot be loaded for lack of descriptors too
          failure = "failed " + kind + " at map " + (i + 1) + " of " + count + ": " + e;
        }
      }
    } finally {
      if (kept != null) {
        kept.unlink();
        kept.close();
      }
    }
    if (failure != null) {
      System.out.println(failure);
      System.exit(3);
    }
    System.out.println("ok " + kind + " " + count);
  }

  private static void makeAndDrop(String kind, Path file, String shmName, long size, int i)
      throws IOException {
    byte v = (byte) i;
    switch (kind) {
      case "file" -> Mmap.map(file, 0, Access.WRITE).set(i % size, v);
      case "file-read" -> Mmap.map(file, 0, Access.READ).get(i % size);
      case "anonymous" -> Mmap.anonymous(size).set(i % size, v);
      case "shm-create" -> {
        SharedMemory s = SharedMemory.create(null, size);
        s.unlink(); // the memory lives on until the map is released
        s.mmap().set(i % size, v);
      }
      case "shm-open" -> SharedMemory.open(shmName).mmap().set(i % size, v);
      case "file-confined" -> Mmap.options().confined().map(file).set(i % size, v);
      case "anonymous-confined" -> Mmap.options().confined().anonymous(size).set(i % size, v);
      case "file-confined-owner-ended" -> {
        // the owner thread ends with the map open: nobody can close it, the collector must
        Throwable[] failed = new Throwable[1];
        Thread owner =
            Thread.ofPlatform()
                .start(
                    () -> {
                      try {
                        Mmap.options().confined().map(file).set(i % size, v);
                      } catch (Throwable e) {
                        failed[0] = e;
                      }
                    });
        try {
          owner.join();
        } catch (InterruptedException e) {
          throw new IOException(e);
        }
        if (failed[0] != null) {
          throw new IOException("in the owner thread: " + failed[0], failed[0]);
        }
      }
      default -> throw new IllegalArgumentException("no such kind: " + kind);
    }
  }

  /**
   * Maps every entry of {@code dir} in turn for writing, and prints one line per entry: the label
   * (each file holds its own label) read through the map, whether the write through the map reached
   * that entry, which other entries changed, or the exception. Every file is put back after each
   * entry.
   */
  static void names(Path dir) throws Exception {
    List<Path> entries;
    try (Stream<Path> s = Files.list(dir)) {
      entries = s.toList();
    }
    Map<Path, byte[]> original = new LinkedHashMap<>();
    for (Path p : entries) {
      original.put(p, Files.readAllBytes(p));
    }
    for (Path p : entries) {
      String label = new String(original.get(p), StandardCharsets.US_ASCII);
      String outcome;
      try (Mmap m = Mmap.map(p, 0, Access.WRITE)) {
        String seen = new String(m.read(), StandardCharsets.US_ASCII);
        m.set(0, (byte) '#');
        outcome = "mapped read=" + seen;
      } catch (FileSystemException e) {
        outcome =
            "refused "
                + e.getClass().getName()
                + " reason="
                + e.getReason()
                + " message="
                + e.getMessage();
      } catch (IOException | RuntimeException e) {
        outcome = "failed " + e;
      }
      boolean wroteSelf = Files.readAllBytes(p)[0] == '#';
      List<String> changed = new ArrayList<>();
      for (Map.Entry<Path, byte[]> e : original.entrySet()) {
        byte[] now = Files.readAllBytes(e.getKey());
        if (!e.getKey().equals(p) && !Arrays.equals(now, e.getValue())) {
          changed.add(new String(e.getValue(), StandardCharsets.US_ASCII));
        }
        Files.write(e.getKey(), e.getValue());
      }
      System.out.println(
          String.format(
              Locale.ROOT,
              "entry %s: %s; wroteSelf=%b; changedOthers=%s",
              label,
              outcome,
              wroteSelf,
              changed));
    }
  }
}
