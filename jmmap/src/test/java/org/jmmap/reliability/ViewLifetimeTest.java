package org.jmmap.reliability;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.jmmap.Access;
import org.jmmap.Backings;
import org.jmmap.Mmap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A view keeps its map alive: a {@code ByteBuffer}, a {@code MemorySegment} (and its slices), a
 * stream, a channel or a {@code CharSequence} taken from a map and kept works after the {@code
 * Mmap} itself has become unreachable and the collector has run; once the view is dropped too, the
 * map is released (on the portable backing, for a segment or a buffer, only its file: {@link
 * org.jmmap.Mmap}'s lifetime section).
 */
class ViewLifetimeTest {
  private static final int N = 8192;
  private static final byte[] TEXT =
      "a view outlives the Mmap it came from\n".repeat(200).getBytes(StandardCharsets.US_ASCII);
  private static final long RELEASE_WAIT_NANOS = 5_000_000_000L;

  @TempDir Path dir;
  private int controls;

  // Each view is made in a method of its own, so that no frame of the test holds the Mmap.

  private static ByteBuffer anonymousBuffer() throws IOException {
    return Mmap.anonymous(N).asByteBuffer(0, N);
  }

  private static MemorySegment anonymousSegment() throws IOException {
    return Mmap.anonymous(N).segment();
  }

  private static MemorySegment anonymousSegmentSlice() throws IOException {
    return Mmap.anonymous(N).segment().asSlice(N / 2, 16);
  }

  private static ByteBuffer fileBuffer(Path f) throws IOException {
    return Mmap.map(f, 0, Access.WRITE).asByteBuffer(0, TEXT.length);
  }

  private static ByteBuffer fileBufferSlice(Path f) throws IOException {
    return Mmap.map(f, 0, Access.WRITE).asByteBuffer(0, TEXT.length).slice(10, 20);
  }

  private static MemorySegment fileSegment(Path f) throws IOException {
    return Mmap.map(f, 0, Access.WRITE).segment();
  }

  private static MemorySegment fileSegmentSlice(Path f) throws IOException {
    return Mmap.map(f, 0, Access.WRITE).segment().asSlice(10, 20);
  }

  private static MemorySegment readOnlyFileSegment(Path f) throws IOException {
    return Mmap.map(f, 0, Access.READ).segment();
  }

  private static InputStream fileInputStream(Path f) throws IOException {
    return Mmap.map(f, 0, Access.READ).inputStream();
  }

  private static OutputStream fileOutputStream(Path f) throws IOException {
    return Mmap.map(f, 0, Access.WRITE).outputStream();
  }

  private static SeekableByteChannel fileChannel(Path f) throws IOException {
    return Mmap.map(f, 0, Access.WRITE).channel();
  }

  private static CharSequence fileCharSequence(Path f) throws IOException {
    return Mmap.map(f, 0, Access.READ).asCharSequence();
  }

  private Path textFile(String name) throws IOException {
    return Files.write(dir.resolve(name), TEXT);
  }

  private static void dropMap(Path f) throws IOException {
    Mmap.map(f, 0, Access.READ).get(0);
  }

  /**
   * Drops a map of a file of its own and collects until that map is released, then collects a few
   * times more: by then a map that nothing holds has been released as well.
   */
  private void collectDroppedMaps() throws Exception {
    Path control = Files.write(dir.resolve("control-" + controls++ + ".bin"), new byte[4096]);
    dropMap(control);
    awaitReleased(control, "an unclosed map of " + control + " that nothing holds");
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(20);
    }
  }

  /** {@return how many descriptors of this process are open on {@code real}} */
  static long descriptorsOn(Path real) throws IOException {
    long n = 0;
    try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
      for (Path fd : fds.toList()) {
        try {
          if (Files.readSymbolicLink(fd).toString().equals(real.toString())) {
            n++;
          }
        } catch (NoSuchFileException closedMeanwhile) {
          // the descriptor of the listing itself, or one closed since
        }
      }
    }
    return n;
  }

  /** {@return how many mappings of this process are of {@code real}} */
  static long mappingsOf(Path real) throws IOException {
    return Files.readAllLines(Path.of("/proc/self/maps")).stream()
        .filter(l -> l.endsWith(" " + real))
        .count();
  }

  /** Collects until no descriptor and no mapping of {@code f} is left, for a few seconds. */
  static void awaitReleased(Path f, String what) throws Exception {
    awaitReleased(f, what, true);
  }

  /**
   * Collects until no descriptor of {@code f}, and if {@code mappingsToo} no mapping of it, is
   * left, for a few seconds.
   */
  static void awaitReleased(Path f, String what, boolean mappingsToo) throws Exception {
    Path real = f.toRealPath();
    long start = System.nanoTime();
    while (true) {
      System.gc();
      Thread.sleep(20);
      long fds = descriptorsOn(real);
      long maps = mappingsOf(real);
      if (fds == 0 && (maps == 0 || !mappingsToo)) {
        return;
      }
      if (System.nanoTime() - start > RELEASE_WAIT_NANOS) {
        fail(
            what
                + " was not released within "
                + RELEASE_WAIT_NANOS / 1_000_000_000
                + " s of collections: "
                + fds
                + " descriptors and "
                + maps
                + " mappings still refer to "
                + real);
      }
    }
  }

  interface Use {
    void run() throws Exception;
  }

  /** Runs {@code use}; an {@link IllegalStateException} means the view's map was released. */
  private static void stillWorks(String view, Use use) throws Exception {
    try {
      use.run();
    } catch (IllegalStateException e) {
      throw new AssertionError(
          view
              + " stopped working once its Mmap became unreachable and the"
              + " collector ran: the map was released under a view that was still in use: "
              + e,
          e);
    }
  }

  @Test
  void aByteBufferOfAnAnonymousMapWorksAfterTheMapIsDroppedAndCollected() throws Exception {
    ByteBuffer b = anonymousBuffer();
    b.put(0, (byte) 42);
    collectDroppedMaps();
    stillWorks(
        "asByteBuffer(0, " + N + ") of Mmap.anonymous(" + N + ")",
        () -> {
          b.put(N - 1, (byte) 7);
          assertEquals(42, b.get(0));
          assertEquals(7, b.get(N - 1));
        });
  }

  @Test
  void aSegmentOfAnAnonymousMapAndItsSlicesWorkAfterTheMapIsDroppedAndCollected() throws Exception {
    MemorySegment s = anonymousSegment();
    MemorySegment part = s.asSlice(100, 8);
    MemorySegment onlySlice = anonymousSegmentSlice();
    s.set(ValueLayout.JAVA_BYTE, 100, (byte) 42);
    onlySlice.set(ValueLayout.JAVA_BYTE, 0, (byte) 43);
    collectDroppedMaps();
    stillWorks(
        "segment() of Mmap.anonymous(" + N + ") and its slice",
        () -> {
          part.set(ValueLayout.JAVA_BYTE, 1, (byte) 7);
          assertEquals(42, part.get(ValueLayout.JAVA_BYTE, 0));
          assertEquals(7, s.get(ValueLayout.JAVA_BYTE, 101));
        });
    stillWorks(
        "a slice of segment() of Mmap.anonymous(" + N + "), the segment itself dropped",
        () -> {
          onlySlice.set(ValueLayout.JAVA_BYTE, 15, (byte) 8);
          assertEquals(43, onlySlice.get(ValueLayout.JAVA_BYTE, 0));
        });
  }

  @Test
  void aByteBufferOfAFileMapAndItsSliceWorkAndWriteTheFileAfterTheMapIsDroppedAndCollected()
      throws Exception {
    Path f = textFile("buffer.txt");
    Path g = textFile("buffer-slice.txt");
    ByteBuffer b = fileBuffer(f);
    ByteBuffer slice = fileBufferSlice(g);
    collectDroppedMaps();
    stillWorks(
        "asByteBuffer of a file map of " + f,
        () -> {
          assertEquals(TEXT[5], b.get(5));
          b.put(0, (byte) '#');
          assertEquals('#', Files.readAllBytes(f)[0]);
        });
    stillWorks(
        "a slice of asByteBuffer of a file map of " + g,
        () -> {
          assertEquals(TEXT[15], slice.get(5));
          slice.put(0, (byte) '#');
          assertEquals('#', Files.readAllBytes(g)[10]);
        });
  }

  @Test
  void aSegmentOfAFileMapAndItsSlicesWorkAndWriteTheFileAfterTheMapIsDroppedAndCollected()
      throws Exception {
    Path f = textFile("segment.txt");
    Path g = textFile("segment-slice.txt");
    Path h = textFile("segment-read.txt");
    MemorySegment s = fileSegment(f);
    MemorySegment part = s.asSlice(20, 4);
    MemorySegment onlySlice = fileSegmentSlice(g);
    MemorySegment readOnly = readOnlyFileSegment(h);
    collectDroppedMaps();
    stillWorks(
        "segment() of a file map of " + f + " and its slice",
        () -> {
          assertEquals(TEXT[3], s.get(ValueLayout.JAVA_BYTE, 3));
          part.set(ValueLayout.JAVA_BYTE, 0, (byte) '#');
          assertEquals('#', Files.readAllBytes(f)[20]);
        });
    stillWorks(
        "a slice of segment() of a file map of " + g + ", the segment itself dropped",
        () -> {
          assertEquals(TEXT[11], onlySlice.get(ValueLayout.JAVA_BYTE, 1));
          onlySlice.set(ValueLayout.JAVA_BYTE, 0, (byte) '#');
          assertEquals('#', Files.readAllBytes(g)[10]);
        });
    stillWorks(
        "segment() of a read-only file map of " + h,
        () -> assertArrayEquals(TEXT, readOnly.toArray(ValueLayout.JAVA_BYTE)));
  }

  @Test
  void streamsAndAChannelOfADroppedFileMapWorkAfterTheCollectorRuns() throws Exception {
    Path f = textFile("in.txt");
    Path g = textFile("out.txt");
    Path h = textFile("channel.txt");
    InputStream in = fileInputStream(f);
    OutputStream out = fileOutputStream(g);
    SeekableByteChannel ch = fileChannel(h);
    collectDroppedMaps();
    stillWorks(
        "inputStream() of a file map of " + f, () -> assertArrayEquals(TEXT, in.readAllBytes()));
    stillWorks(
        "outputStream() of a file map of " + g,
        () -> {
          out.write("##".getBytes(StandardCharsets.US_ASCII));
          assertEquals('#', Files.readAllBytes(g)[1]);
        });
    stillWorks(
        "channel() of a file map of " + h,
        () -> {
          ByteBuffer got = ByteBuffer.allocate(TEXT.length);
          while (got.hasRemaining() && ch.read(got) > 0) {
            // reads until the end of the map
          }
          assertArrayEquals(TEXT, got.array());
          ch.position(0).write(ByteBuffer.wrap(new byte[] {'#'}));
          assertEquals('#', Files.readAllBytes(h)[0]);
        });
  }

  @Test
  void aCharSequenceOfADroppedFileMapWorksAfterTheCollectorRuns() throws Exception {
    Path f = textFile("chars.txt");
    CharSequence cs = fileCharSequence(f);
    collectDroppedMaps();
    stillWorks(
        "asCharSequence() of a file map of " + f,
        () -> {
          assertEquals(new String(TEXT, StandardCharsets.ISO_8859_1), cs.toString());
          assertEquals("view", cs.subSequence(2, 6).toString());
        });
  }

  /** {@return one view of a map of each file, a different kind of view for each} */
  private static List<Object> viewsOf(List<Path> files) throws IOException {
    List<Object> views = new ArrayList<>();
    views.add(fileBuffer(files.get(0)));
    views.add(fileBufferSlice(files.get(1)));
    views.add(fileSegment(files.get(2)));
    views.add(fileSegmentSlice(files.get(3)));
    views.add(fileInputStream(files.get(4)));
    views.add(fileOutputStream(files.get(5)));
    views.add(fileChannel(files.get(6)));
    views.add(fileCharSequence(files.get(7)));
    return views;
  }

  private static final String[] KINDS = {
    "asByteBuffer",
    "a slice of asByteBuffer",
    "segment()",
    "a slice of segment()",
    "inputStream()",
    "outputStream()",
    "channel()",
    "asCharSequence()"
  };

  /** The first of {@link #KINDS} that holds the {@code Mmap} rather than only its memory. */
  private static final int HOLDS_THE_MAP = 4;

  /**
   * Takes a view of each kind of a map of a file of its own, drops the views, and waits until every
   * map whose view is of {@code KINDS[from, to)} has released its file, and if {@code mappingsToo}
   * its mapping.
   */
  private void droppedViewsRelease(int from, int to, boolean mappingsToo) throws Exception {
    List<Path> files = new ArrayList<>();
    for (int i = 0; i < KINDS.length; i++) {
      files.add(textFile("dropped-" + i + ".txt"));
    }
    List<Object> views = viewsOf(files);
    for (int i = 0; i < KINDS.length; i++) {
      Path real = files.get(i).toRealPath();
      assertTrue(
          mappingsOf(real) > 0,
          "no mapping of "
              + real
              + " was seen while its "
              + KINDS[i]
              + " view was held: /proc/self/maps is not read right");
    }
    assertEquals(KINDS.length, views.size());
    views = null;
    for (int i = from; i < to; i++) {
      awaitReleased(
          files.get(i), "a file map whose only " + KINDS[i] + " view was dropped", mappingsToo);
    }
  }

  @Test
  void onceItsStreamChannelOrCharSequenceIsDroppedTooTheMapIsReleased() throws Exception {
    droppedViewsRelease(HOLDS_THE_MAP, KINDS.length, true);
  }

  @Test
  void onceItsSegmentOrBufferIsDroppedTooTheMapIsReleased() throws Exception {
    assumeFalse(
        Backings.portable(),
        "unmapping an unclosed map once its last segment or buffer is dropped: the portable"
            + " backing unmaps only by closing an arena, and no public JDK API tells when the last"
            + " view of one is gone");
    droppedViewsRelease(0, HOLDS_THE_MAP, true);
  }

  /**
   * The portable backing keeps the memory of an unclosed map whose segment or buffer was taken
   * mapped until the JVM exits (a view may still use it), but the file is released with the map.
   */
  @Test
  void onceItsSegmentOrBufferIsDroppedTooTheFileOfTheMapIsReleased() throws Exception {
    droppedViewsRelease(0, HOLDS_THE_MAP, false);
  }
}
