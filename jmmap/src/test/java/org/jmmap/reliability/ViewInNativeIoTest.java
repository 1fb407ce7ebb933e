package org.jmmap.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.Pipe;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.jmmap.Access;
import org.jmmap.Mmap;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code close()} and {@code resize()} while another thread is inside a native I/O call on a {@link
 * ByteBuffer} view of the map (the JDK holds the view's memory for the length of the call): each
 * either completes, or throws {@link IllegalStateException} and leaves the map exactly as it was
 * (open, same length, same contents, same file size, still usable). Once the I/O call has finished,
 * {@code close()} succeeds, and no descriptor or mapping is left behind.
 */
class ViewInNativeIoTest {
  static final int PS = Mmap.PAGESIZE;
  static final int PAGES = 23; // an unusual size, so that the mapping is easy to tell apart
  static final long N = (long) PAGES * PS;
  static final int VIEW = 4096;
  @TempDir Path dir;

  /** A thread blocked in a native call on the view, and how to let it finish. */
  private interface Blocker extends AutoCloseable {
    /** Lets the native call finish and waits for the thread to end. */
    void release() throws Exception;

    @Override
    void close() throws IOException;
  }

  static Stream<Arguments> cases() {
    List<Arguments> a = new ArrayList<>();
    for (String kind : List.of("file", "shared", "private")) {
      for (String io :
          List.of(
              "Pipe.source().read",
              "Pipe.sink().write into a full pipe",
              "FileChannel.write into a full FIFO")) {
        for (String op : List.of("close", "resize")) {
          a.add(Arguments.of(kind, io, op));
        }
      }
    }
    return a.stream();
  }

  @ParameterizedTest(name = "{2}() of a {0} map while {1} uses a view")
  @MethodSource("cases")
  void closeAndResizeDuringNativeIoOnAViewCompleteOrChangeNothingAndLeakNothing(
      String kind, String io, String op) throws Exception {
    warmUp();
    long fds = fds();
    Path file = dir.resolve("view.bin");
    byte[] pattern = new byte[(int) N];
    for (int i = 0; i < pattern.length; i++) {
      pattern[i] = (byte) (i * 31 + 7);
    }
    List<String> problems = new ArrayList<>();
    String mapping = mappingName(kind, file);
    long namedBefore = mapping == null ? 0 : namedMappings(mapping);
    Mmap m = open(kind, file, pattern);
    long address = m.segment().address();
    String what = op + "() of a " + kind + " map while " + io + " uses a view";
    try (Blocker b = block(io, m.asByteBuffer(0, VIEW))) {
      IllegalStateException refused = null;
      try {
        if (op.equals("close")) {
          m.close();
        } else {
          m.resize(2 * N);
        }
      } catch (IllegalStateException e) {
        refused = e;
      } catch (Throwable e) {
        problems.add(what + " threw " + e + ", not IllegalStateException");
      }
      if (refused != null) {
        unchanged(m, kind, file, pattern, problems, what + " threw " + refused + ", but");
      } else if (op.equals("close") && !m.isClosed()) {
        problems.add(what + " returned, but isClosed() is false");
      } else if (op.equals("resize")) {
        check(
            problems,
            what + " returned, but",
            () -> {
              if (m.length() != 2 * N) {
                return "length() is " + m.length() + ", not " + 2 * N;
              }
              byte[] kept = m.slice(0, N);
              return Arrays.equals(kept, pattern) ? null : "the first " + N + " bytes changed";
            });
      }
      b.release();
    } finally {
      try {
        m.close();
      } catch (Throwable e) {
        problems.add("close() after the I/O finished threw " + e);
      }
    }
    if (!m.isClosed()) {
      problems.add("close() after the I/O finished returned, but isClosed() is false");
    }
    long fdsAfter = settle(fds, ViewInNativeIoTest::fds);
    if (fdsAfter > fds) {
      problems.add("descriptors leaked: " + fds + " open before, " + fdsAfter + " after");
    }
    if (mapping != null) {
      long named = settle(namedBefore, () -> namedMappings(mapping));
      if (named > namedBefore) {
        problems.add(
            "the mapping leaked: /proc/self/maps has "
                + named
                + " lines naming "
                + mapping
                + ", "
                + namedBefore
                + " before");
      }
    } else if (settle(0, () -> covered(address)) > 0) {
      problems.add(
          String.format(
              Locale.ROOT,
              "the mapping leaked: /proc/self/maps still maps 0x%x, where the map was",
              address));
    }
    assertEquals(List.of(), problems, what);
  }

  /** Checks that a refused close or resize left the map exactly as it was, and usable. */
  private static void unchanged(
      Mmap m, String kind, Path file, byte[] pattern, List<String> problems, String prefix) {
    if (m.isClosed()) {
      problems.add(prefix + " isClosed() is now true");
      return;
    }
    check(
        problems,
        prefix,
        () -> {
          if (m.length() != N) {
            return "length() is " + m.length() + ", not " + N;
          }
          if (!Arrays.equals(m.slice(0, N), pattern)) {
            return "the contents changed";
          }
          if (kind.equals("file") && Files.size(file) != N) {
            return "the file's size is " + Files.size(file) + ", not " + N;
          }
          m.set(N - 1, (byte) ~pattern[(int) N - 1]);
          if (m.get(N - 1) != (byte) ~pattern[(int) N - 1]) {
            return "a write to the map was lost";
          }
          m.set(N - 1, pattern[(int) N - 1]);
          return null;
        });
  }

  private interface Check {
    String run() throws Exception;
  }

  private static void check(List<String> problems, String prefix, Check c) {
    try {
      String p = c.run();
      if (p != null) {
        problems.add(prefix + " " + p);
      }
    } catch (Exception e) {
      problems.add(prefix + " using the map threw " + e);
    }
  }

  private static Mmap open(String kind, Path file, byte[] pattern) throws IOException {
    Mmap m =
        switch (kind) {
          case "file" -> {
            Files.write(file, pattern);
            yield Mmap.map(file, 0, Access.WRITE);
          }
          case "shared" -> Mmap.anonymous(N);
          case "private" -> Mmap.options().flags(Mmap.MAP_PRIVATE).anonymous(N);
          default -> throw new IllegalArgumentException(kind);
        };
    m.setSlice(0, N, pattern);
    return m;
  }

  /** {@return what /proc/self/maps calls the mapping, or null for private anonymous memory} */
  private static String mappingName(String kind, Path file) throws IOException {
    return switch (kind) {
      case "file" -> file.getParent().toRealPath().resolve(file.getFileName()).toString();
      case "shared" -> "/memfd:jmmap";
      default -> null;
    };
  }

  /** Runs one case unchecked first, so that the JDK's own descriptors and threads are there. */
  private static boolean warmedUp;

  private void warmUp() throws Exception {
    if (warmedUp) {
      return;
    }
    warmedUp = true;
    try (Mmap m = Mmap.anonymous(VIEW)) {
      for (String io :
          List.of(
              "Pipe.source().read",
              "Pipe.sink().write into a full pipe",
              "FileChannel.write into a full FIFO")) {
        try (Blocker b = block(io, m.asByteBuffer(0, VIEW))) {
          b.release();
        }
      }
    }
  }

  // ---------------------------------------------------------------- blocking native calls

  private Blocker block(String io, ByteBuffer view) throws Exception {
    return switch (io) {
      case "Pipe.source().read" -> {
        Pipe p = Pipe.open();
        yield reader(p.source(), p.sink(), view, List.of(p.source(), p.sink()));
      }
      case "Pipe.sink().write into a full pipe" -> {
        Pipe p = Pipe.open();
        yield writer(p.sink(), p.source(), view, List.of(p.source(), p.sink()));
      }
      case "FileChannel.write into a full FIFO" -> {
        Path fifo = dir.resolve("view-" + System.nanoTime() + ".fifo");
        mkfifo(fifo);
        // opened for reading and writing, a FIFO opens at once; it is then the reader that
        // lets the writer's open return
        FileChannel both =
            FileChannel.open(fifo, StandardOpenOption.READ, StandardOpenOption.WRITE);
        FileChannel out = FileChannel.open(fifo, StandardOpenOption.WRITE);
        yield writer(out, both, view, List.of(out, both));
      }
      default -> throw new IllegalArgumentException(io);
    };
  }

  private static void mkfifo(Path fifo) throws Exception {
    Process p = new ProcessBuilder("mkfifo", fifo.toString()).inheritIO().start();
    assertEquals(0, p.waitFor(), "mkfifo " + fifo);
  }

  /** A thread blocked reading into the view from an empty pipe; released by writing to it. */
  private static Blocker reader(
      ReadableByteChannel in,
      WritableByteChannel feed,
      ByteBuffer view,
      List<? extends AutoCloseable> channels)
      throws Exception {
    AtomicLong progress = new AtomicLong();
    AtomicReference<Throwable> failure = new AtomicReference<>();
    Thread t =
        Thread.ofPlatform()
            .name("view-reader")
            .start(
                () -> {
                  try {
                    while (view.hasRemaining() && in.read(view) >= 0) {
                      progress.incrementAndGet();
                    }
                  } catch (Throwable e) {
                    failure.set(
                        e); // whatever the view reports once the map is gone is its business
                  }
                });
    awaitBlocked(t, progress);
    return new Blocker() {
      @Override
      public void release() throws Exception {
        ByteBuffer data = ByteBuffer.allocate(VIEW);
        while (data.hasRemaining()) {
          feed.write(data);
        }
        join(t);
      }

      @Override
      public void close() throws IOException {
        closeAll(channels, t);
      }
    };
  }

  /**
   * A thread writing the view into a pipe until the pipe is full and the write blocks; released by
   * reading back exactly what it wrote.
   */
  private static Blocker writer(
      WritableByteChannel out,
      ReadableByteChannel drain,
      ByteBuffer view,
      List<? extends AutoCloseable> channels)
      throws Exception {
    AtomicLong progress = new AtomicLong();
    AtomicLong stop = new AtomicLong(Long.MAX_VALUE);
    Thread t =
        Thread.ofPlatform()
            .name("view-writer")
            .start(
                () -> {
                  try {
                    // a write of at most PIPE_BUF bytes is atomic: it blocks whole until there is
                    // room
                    for (long k = 0; k < stop.get(); k++) {
                      ByteBuffer b = view.duplicate().clear();
                      while (b.hasRemaining()) {
                        out.write(b);
                      }
                      progress.incrementAndGet();
                    }
                  } catch (Throwable e) {
                    // what the view reports once the map is gone is its business
                  }
                });
    awaitBlocked(t, progress);
    return new Blocker() {
      Thread drainer;

      @Override
      public void release() throws Exception {
        long written = progress.get() + 1; // the blocked write completes once there is room
        stop.set(written);
        // reads no more than was written, so that it never waits for data that cannot come;
        // closing the channels ends it if the writer stopped early
        drainer =
            Thread.ofPlatform()
                .name("view-drainer")
                .start(
                    () -> {
                      ByteBuffer sink = ByteBuffer.allocate(VIEW);
                      try {
                        for (long total = 0; total < written * VIEW; ) {
                          sink.clear().limit((int) Math.min(VIEW, written * VIEW - total));
                          int n = drain.read(sink);
                          if (n < 0) {
                            return;
                          }
                          total += n;
                        }
                      } catch (IOException e) {
                        // closed under it: the writer stopped before writing everything
                      }
                    });
        join(t);
      }

      @Override
      public void close() throws IOException {
        closeAll(channels, t);
        if (drainer != null) {
          try {
            drainer.join(10_000);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        }
      }
    };
  }

  /** Waits until the thread sits in a native method and makes no more progress. */
  private static void awaitBlocked(Thread t, AtomicLong progress) throws InterruptedException {
    int stable = 0;
    long last = -1;
    for (int i = 0; i < 1000 && stable < 5; i++) {
      Thread.sleep(5);
      StackTraceElement[] s = t.getStackTrace();
      boolean inNative = s.length > 0 && s[0].isNativeMethod();
      long p = progress.get();
      stable = inNative && p == last ? stable + 1 : 0;
      last = p;
    }
    assertTrue(
        stable >= 5,
        "the I/O thread never blocked in a native call: " + Arrays.toString(t.getStackTrace()));
  }

  private static void join(Thread t) throws InterruptedException {
    t.join(10_000);
    assertTrue(!t.isAlive(), "the I/O thread did not finish after its call was released");
  }

  private static void closeAll(List<? extends AutoCloseable> channels, Thread t)
      throws IOException {
    for (AutoCloseable c : channels) {
      try {
        c.close(); // also ends the thread's call if a failed check left it blocked
      } catch (Exception e) {
        throw new IOException("closing " + c, e);
      }
    }
    try {
      t.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  // ---------------------------------------------------------------- what the process holds

  private interface Count {
    long get() throws IOException;
  }

  /** {@return the count once it is at most {@code target}, or its last value after 1 s} */
  private static long settle(long target, Count c) throws Exception {
    long v = c.get();
    for (int i = 0; i < 20 && v > target; i++) {
      Thread.sleep(50);
      v = c.get();
    }
    return v;
  }

  private static long fds() throws IOException {
    try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
      return s.count();
    }
  }

  private static long namedMappings(String name) throws IOException {
    return Files.readAllLines(Path.of("/proc/self/maps")).stream()
        .filter(l -> l.contains(name))
        .count();
  }

  /** {@return 1 if a line of /proc/self/maps covers {@code address}, else 0} */
  private static long covered(long address) throws IOException {
    for (String l : Files.readAllLines(Path.of("/proc/self/maps"))) {
      String[] range = l.substring(0, l.indexOf(' ')).split("-");
      long from = Long.parseUnsignedLong(range[0], 16);
      long to = Long.parseUnsignedLong(range[1], 16);
      if (Long.compareUnsigned(address, from) >= 0 && Long.compareUnsigned(address, to) < 0) {
        return 1;
      }
    }
    return 0;
  }
}
