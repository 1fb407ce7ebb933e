package org.jmmap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.random.RandomGenerator;
import java.util.random.RandomGeneratorFactory;
import java.util.regex.Pattern;
import org.jmmap.MapContract.ThrowingRunnable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A map made with {@link MmapOptions#confined()} answers only to the thread that made it: every
 * other thread gets {@link WrongThreadException} from every method and every view, and changes
 * nothing, while the owner goes on using, resizing and closing the map.
 */
class ConfinedTest {
  @TempDir Path dir;
  private FileChannel channel;

  /** The kinds of map, each made confined. */
  enum Kind {
    FILE,
    READ_ONLY_FILE,
    CHANNEL,
    SHARED_ANONYMOUS,
    PRIVATE_ANONYMOUS
  }

  @AfterEach
  void closeChannel() throws IOException {
    if (channel != null) {
      channel.close();
    }
  }

  private Mmap make(Kind kind, byte[] content) throws IOException {
    MmapOptions o = Mmap.options().confined();
    return switch (kind) {
      case FILE -> o.access(Access.WRITE).map(Files.write(dir.resolve("f.bin"), content));
      case READ_ONLY_FILE -> o.access(Access.READ).map(Files.write(dir.resolve("r.bin"), content));
      case CHANNEL -> {
        channel =
            FileChannel.open(
                Files.write(dir.resolve("c.bin"), content),
                StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        yield o.access(Access.WRITE).map(channel);
      }
      case SHARED_ANONYMOUS -> filled(o.anonymous(content.length), content);
      case PRIVATE_ANONYMOUS ->
          filled(o.flags(Mmap.MAP_PRIVATE).anonymous(content.length), content);
    };
  }

  private static Mmap filled(Mmap m, byte[] content) {
    m.setSlice(0, content.length, content);
    return m;
  }

  private static byte[] content(long seed) {
    byte[] b = new byte[3 * Mmap.PAGESIZE];
    RandomGenerator r = RandomGeneratorFactory.of("L64X128MixRandom").create(seed);
    for (int i = 0; i < b.length; i++) {
      b[i] = (byte) "ab\n".charAt(r.nextInt(3));
    }
    return b;
  }

  /** {@return what {@code op} threw in a new thread named "intruder"}, or null if it returned */
  static Throwable inAnotherThread(ThrowingRunnable op) throws InterruptedException {
    Throwable[] thrown = new Throwable[1];
    Thread t =
        Thread.ofPlatform()
            .name("intruder")
            .start(
                () -> {
                  try {
                    op.run();
                  } catch (Throwable e) {
                    thrown[0] = e;
                  }
                });
    t.join();
    return thrown[0];
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void everyMethodCalledFromAnotherThreadThrowsWrongThreadAndChangesNothing(Kind kind)
      throws Exception {
    long seed = System.nanoTime();
    byte[] d = content(seed);
    try (Mmap m = make(kind, d)) {
      m.seek(5);
      List<ThrowingRunnable> ops = ClosedOps.all(m);
      for (int i = 0; i < ops.size(); i++) {
        Throwable t = inAnotherThread(ops.get(i));
        String why = kind + " op#" + i + " seed=" + seed + ": " + t;
        assertInstanceOf(WrongThreadException.class, t, why);
        assertTrue(t.getMessage().contains("confined to thread"), why);
        assertTrue(t.getMessage().contains("intruder"), why);
      }
      Throwable close = inAnotherThread(m::close);
      assertInstanceOf(WrongThreadException.class, close, kind + " close: " + close);
      assertFalse(m.isClosed(), kind + ": a refused close closed the map");
      assertEquals(d.length, m.length(), kind + " seed=" + seed);
      assertEquals(5, m.tell(), kind + " seed=" + seed);
      assertArrayEquals(d, m.slice(0, d.length), kind + " seed=" + seed);
    }
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void aCloseRefusedInAnotherThreadLeavesTheMapToItsOwnerWhoClosesIt(Kind kind) throws Exception {
    byte[] d = content(7);
    Mmap m = make(kind, d);
    Throwable t = inAnotherThread(m::close);
    assertInstanceOf(WrongThreadException.class, t, kind + ": " + t);
    assertEquals(d[100], m.get(100), kind.toString());
    m.close();
    assertTrue(m.isClosed(), kind.toString());
    assertThrows(IllegalStateException.class, () -> m.get(0), kind.toString());
    Throwable after = inAnotherThread(() -> m.get(0));
    assertInstanceOf(WrongThreadException.class, after, kind + " after close: " + after);
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void viewsHandedToAnotherThreadThrowWrongThread(Kind kind) throws Exception {
    byte[] d = content(11);
    try (Mmap m = make(kind, d)) {
      MemorySegment s = m.segment();
      ByteBuffer b = m.asByteBuffer(0, 16);
      InputStream in = m.inputStream();
      SeekableByteChannel ch = m.channel();
      CharSequence cs = m.asCharSequence();
      List<ThrowingRunnable> uses =
          List.of(
              () -> s.get(ValueLayout.JAVA_BYTE, 0),
              () -> b.get(0),
              in::read,
              () -> ch.read(ByteBuffer.allocate(4)),
              () -> cs.charAt(0),
              () -> Pattern.compile("b").matcher(cs).find(),
              () -> m.matches(Pattern.compile("b")).count());
      for (int i = 0; i < uses.size(); i++) {
        Throwable t = inAnotherThread(uses.get(i));
        assertInstanceOf(WrongThreadException.class, t, kind + " view use #" + i + ": " + t);
      }
      assertEquals(d[0], s.get(ValueLayout.JAVA_BYTE, 0), kind.toString());
      assertEquals(d[0], in.read(), kind.toString());
      assertEquals(d[0], cs.charAt(0), kind.toString());
    }
  }

  @ParameterizedTest
  @EnumSource(
      value = Kind.class,
      names = {"FILE", "CHANNEL", "SHARED_ANONYMOUS", "PRIVATE_ANONYMOUS"})
  void aResizedMapStaysConfinedToItsOwner(Kind kind) throws Exception {
    byte[] d = content(13);
    try (Mmap m = make(kind, d)) {
      MemorySegment before = m.segment();
      m.resize(5L * Mmap.PAGESIZE);
      assertEquals(5L * Mmap.PAGESIZE, m.length(), kind.toString());
      assertArrayEquals(d, m.slice(0, d.length), kind + ": resize kept the bytes");
      m.set(5L * Mmap.PAGESIZE - 1, (byte) 42);
      assertEquals(42, m.get(-1), kind.toString());
      assertThrows(
          IllegalStateException.class,
          () -> before.get(ValueLayout.JAVA_BYTE, 0),
          kind + ": the old mapping's segment still works");
      Throwable t = inAnotherThread(() -> m.segment().get(ValueLayout.JAVA_BYTE, 0));
      assertInstanceOf(WrongThreadException.class, t, kind + " after resize: " + t);
      MemorySegment after = m.segment();
      Throwable direct = inAnotherThread(() -> after.get(ValueLayout.JAVA_BYTE, 0));
      assertInstanceOf(
          WrongThreadException.class, direct, kind + " new generation's segment: " + direct);
      m.resize(Mmap.PAGESIZE);
      assertEquals(Mmap.PAGESIZE, m.length(), kind.toString());
      assertEquals(d[Mmap.PAGESIZE - 1], m.get(-1), kind.toString());
    }
  }

  @Test
  void aConfinedMapWritesThroughToTheFileAndFlushes() throws Exception {
    Path f = Files.write(dir.resolve("w.bin"), new byte[2 * Mmap.PAGESIZE]);
    try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ, StandardOpenOption.WRITE);
        Mmap byPath = Mmap.options().confined().map(f);
        Mmap byChannel = Mmap.options().confined().map(ch)) {
      byPath.set(3, (byte) 'p');
      byChannel.set(Mmap.PAGESIZE + 3, (byte) 'c');
      byPath.flush();
      byChannel.flush(Mmap.PAGESIZE, 4);
      byte[] file = Files.readAllBytes(f);
      assertEquals('p', file[3]);
      assertEquals('c', file[Mmap.PAGESIZE + 3]);
      assertEquals('c', byPath.get(Mmap.PAGESIZE + 3), "two maps of one file share its pages");
    }
  }

  @Test
  void aMapWhoseOwnerEndedRefusesEveryoneElse() throws Exception {
    Path f = Files.write(dir.resolve("o.bin"), new byte[] {1, 2, 3});
    Mmap[] made = new Mmap[1];
    Thread owner =
        Thread.ofPlatform()
            .start(
                () -> {
                  try {
                    made[0] = Mmap.options().confined().map(f);
                  } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                  }
                });
    owner.join();
    Mmap m = made[0];
    assertNotNull(m);
    assertThrows(WrongThreadException.class, () -> m.get(0));
    assertThrows(WrongThreadException.class, m::close);
    assertFalse(m.isClosed());
  }
}
