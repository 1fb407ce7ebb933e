package org.jmmap.reliability;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.stream.Stream;
import org.jmmap.Mmap;

/**
 * What {@link BindingTest} runs in a fresh JVM, so that jmmap's C library functions are bound for
 * the first time by the check itself.
 */
public final class BindingChild {
  private BindingChild() {}

  /**
   * Runs one check and prints what it saw; a failure ends the JVM with a non-zero status.
   *
   * @param args the check ({@code exhausted} or {@code together}) and its arguments
   * @throws Exception if the check fails
   */
  public static void main(String[] args) throws Exception {
    switch (args[0]) {
      case "exhausted" -> exhausted(Path.of(args[1]));
      case "together" -> together(Path.of(args[1]), Integer.parseInt(args[2]));
      case "read-only" -> readOnly(Path.of(args[1]));
      default -> throw new IllegalArgumentException("unknown check: " + args[0]);
    }
  }

  /**
   * Makes the JVM's first private anonymous map (which needs no descriptor) while every descriptor
   * is taken, then again once a few are free: the second must work whatever the first did.
   */
  private static void exhausted(Path dir) throws Exception {
    preloadJmmapClasses(); // a class cannot be loaded from a directory without a descriptor
    Path f = Files.write(dir.resolve("held.bin"), new byte[16]);
    List<FileChannel> held = new ArrayList<>();
    try {
      while (true) {
        held.add(FileChannel.open(f));
      }
    } catch (IOException e) {
      System.out.println("holding " + held.size() + " descriptors: " + e.getMessage());
    }
    try (Mmap m = Mmap.options().flags(Mmap.MAP_PRIVATE).anonymous(4096)) {
      System.out.println("first map with no descriptor free: ok " + m.get(0));
    } catch (Exception e) {
      System.out.println("first map with no descriptor free: " + e);
    }
    for (int i = 0; i < 32; i++) {
      held.remove(held.size() - 1).close();
    }
    try (Mmap m = Mmap.options().flags(Mmap.MAP_PRIVATE).anonymous(4096)) {
      m.set(1, (byte) 7);
      System.out.println("map after 32 descriptors were freed: ok " + m.get(1));
    } finally {
      for (FileChannel c : held) {
        c.close();
      }
    }
    try (Mmap m = Mmap.map(f, 0, org.jmmap.Access.READ)) {
      System.out.println("ok exhausted " + m.length());
    }
  }

  /**
   * Reads files through read-only maps of several kinds, printing {@code phase read-only} before;
   * then, after {@code phase native}, asks the kernel for advice, which needs a C function. The
   * JVM's class loading log, on the same output, shows which phase set up the FFM linker.
   */
  private static void readOnly(Path dir) throws Exception {
    Path f = Files.writeString(dir.resolve("lines.txt"), "first line\nsecond line\n");
    System.out.println("phase read-only");
    String seen;
    try (Mmap m = Mmap.map(f, 0, org.jmmap.Access.READ)) {
      seen = new String(m.readLine(), java.nio.charset.StandardCharsets.US_ASCII).strip();
      seen += " " + m.size() + " " + m.find("second".getBytes()) + " " + m;
    }
    try (Mmap m = Mmap.options().access(org.jmmap.Access.READ).confined().map(f)) {
      seen += " " + m.readLine().length;
    }
    try (Mmap m = Mmap.options().prot(Mmap.PROT_READ).trackFd(false).map(f)) {
      seen += " " + m.get(0);
    }
    System.out.println("read " + seen);
    System.out.println("phase native");
    try (Mmap m = Mmap.map(f, 0, org.jmmap.Access.READ)) {
      m.madvise(Mmap.MADV_WILLNEED, 0);
    }
    System.out.println("ok read-only");
  }

  /** Makes {@code threads} first maps of four kinds at one instant. */
  private static void together(Path dir, int threads) throws Exception {
    Path f = Files.write(dir.resolve("together.bin"), new byte[8192]);
    CyclicBarrier start = new CyclicBarrier(threads);
    List<Throwable> failures = Collections.synchronizedList(new ArrayList<>());
    List<Thread> all = new ArrayList<>();
    for (int i = 0; i < threads; i++) {
      int kind = i % 4;
      all.add(
          Thread.ofPlatform()
              .start(
                  () -> {
                    try {
                      start.await();
                      try (Mmap m =
                          switch (kind) {
                            case 0 -> Mmap.options().confined().map(f);
                            case 1 -> Mmap.anonymous(4096);
                            case 2 -> Mmap.options().flags(Mmap.MAP_PRIVATE).anonymous(4096);
                            default -> Mmap.map(f, 0, org.jmmap.Access.READ);
                          }) {
                        m.madvise(Mmap.MADV_NORMAL, 0);
                        if (kind == 1 || kind == 2) {
                          m.resize(8192);
                        }
                        m.flush();
                      }
                    } catch (Throwable t) {
                      failures.add(t);
                    }
                  }));
    }
    for (Thread t : all) {
      t.join();
    }
    for (Throwable t : failures) {
      t.printStackTrace(System.out);
    }
    if (!failures.isEmpty()) {
      System.exit(3);
    }
    System.out.println("ok together " + threads);
  }

  private static void preloadJmmapClasses() throws IOException, URISyntaxException {
    Path root = Path.of(Mmap.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    if (!Files.isDirectory(root)) {
      return; // a jar stays open: its classes load without a new descriptor
    }
    try (Stream<Path> files = Files.walk(root)) {
      for (Path p : files.filter(p -> p.toString().endsWith(".class")).toList()) {
        String name = root.relativize(p).toString();
        if (name.contains("module-info")) {
          continue;
        }
        name = name.substring(0, name.length() - ".class".length()).replace('/', '.');
        try {
          Class.forName(name, false, BindingChild.class.getClassLoader());
        } catch (ClassNotFoundException | LinkageError e) {
          throw new IllegalStateException("cannot preload " + name, e);
        }
      }
    }
  }
}
