package org.jmmap.reliability;

import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jmmap.Mmap;
import org.jmmap.MmapFaultException;

/**
 * What {@link ConfinedReliabilityTest} runs in a second JVM: confined maps of a file that this
 * process truncates under them, interpreted (every path) or compiled (a hot loop).
 */
public final class ConfinedChild {
  private ConfinedChild() {}

  private static final int PS = Mmap.PAGESIZE;
  private static final long PAST = TruncationTest.PAST;

  /**
   * Runs one check and prints what it saw.
   *
   * @param args {@code paths DIR KIND} or {@code hot DIR KIND}, KIND {@code file} or {@code
   *     channel}
   * @throws Exception if the check cannot run
   */
  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[1]);
    boolean channel = args[2].equals("channel");
    switch (args[0]) {
      case "paths" -> System.out.println(everyPathFaults(dir, channel));
      case "hot" -> System.out.println(hot(dir, channel));
      default -> throw new IllegalArgumentException("no such check: " + args[0]);
    }
  }

  /** A confined map of a new file of two pages, and the channel behind it, if any. */
  private record Made(Path file, FileChannel channel, Mmap map) implements AutoCloseable {
    static Made of(Path dir, boolean channel) throws IOException {
      Path f = Files.createTempFile(dir, "confined", ".bin");
      Files.write(f, new byte[2 * PS]);
      if (!channel) {
        return new Made(f, null, Mmap.options().confined().map(f));
      }
      FileChannel ch = FileChannel.open(f, StandardOpenOption.READ, StandardOpenOption.WRITE);
      return new Made(f, ch, Mmap.options().confined().map(ch));
    }

    void truncate() throws IOException {
      try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
        ch.truncate(10);
      }
    }

    @Override
    public void close() throws IOException {
      map.close();
      if (channel != null) {
        channel.close();
      }
      Files.delete(file);
    }
  }

  /** {@return what went wrong when each of TruncationTest's paths met the truncated file} */
  static List<String> everyPathFaults(Path dir, boolean channel) throws IOException {
    List<String> problems = new ArrayList<>();
    for (Map.Entry<String, TruncationTest.Access_> path : TruncationTest.paths().entrySet()) {
      try (Made made = Made.of(dir, channel)) {
        made.truncate();
        Exception thrown = null;
        try {
          path.getValue().run(made.map());
        } catch (Exception e) {
          thrown = e;
        }
        if (path.getKey().endsWith(" parallel")) {
          // a confined map's streams refuse to run in parallel, before they read the map
          if (!(thrown instanceof UnsupportedOperationException)) {
            problems.add(path.getKey() + ": not refused on a confined map: " + thrown);
          }
          continue;
        }
        String problem = check(path.getKey(), thrown, channel ? null : made.file());
        if (problem != null) {
          problems.add(problem);
        } else if (made.map().get(0) != 0) {
          problems.add(path.getKey() + ": the part the file still has changed");
        }
      } catch (Exception | Error e) {
        problems.add(path.getKey() + ": " + e);
      }
    }
    return problems;
  }

  /** {@return null if {@code e} reports the fault as jmmap promises, otherwise what is wrong} */
  private static String check(String path, Exception e, Path file) {
    if (e == null) {
      return path + ": no exception";
    }
    if (!(e instanceof MmapFaultException) && !(e instanceof IOException)) {
      return path + ": " + e;
    }
    if (e instanceof MmapFaultException f && (f.fileSize() != 10 || f.offset() < PS)) {
      return path + ": file size " + f.fileSize() + ", offset " + f.offset();
    }
    String m = e.getMessage();
    String where = file == null ? "FileChannel" : file.toString();
    if (!m.contains(where) || !m.contains("file size now 10")) {
      return path + ": " + m;
    }
    return null;
  }

  /**
   * {@return how many of 2,000 compiled accesses past the new end threw} after 2,000,000 accesses
   * have made the JIT compile them
   */
  static String hot(Path dir, boolean channel) throws IOException {
    try (Made made = Made.of(dir, channel)) {
      Mmap m = made.map();
      long sum = 0;
      byte[] needle = "absent".getBytes(StandardCharsets.US_ASCII);
      for (int i = 0; i < 2_000_000; i++) {
        sum += m.get(PAST) + m.getLong(PAST, ByteOrder.BIG_ENDIAN) + m.asCharSequence().charAt(9);
      }
      for (int i = 0; i < 20_000; i++) {
        sum += m.find(needle, 0) + m.rfind(needle, 0);
      }
      made.truncate();
      int faults = 0;
      for (int i = 0; i < 1000; i++) {
        try {
          sum += m.get(PAST) + m.getLong(PAST, ByteOrder.BIG_ENDIAN);
        } catch (MmapFaultException | InternalError e) {
          faults++;
        }
        try {
          sum += i % 2 == 0 ? m.find(needle, 0) : m.rfind(needle, 0);
        } catch (MmapFaultException | InternalError e) {
          faults++;
        }
      }
      return "faults " + faults + " of 2000 (sum " + sum + ")";
    }
  }
}
