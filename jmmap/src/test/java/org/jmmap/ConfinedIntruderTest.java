package org.jmmap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.jmmap.MapContract.ThrowingRunnable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The calls that {@code ConfinedTest} leaves out, made from a thread that does not own a confined
 * map: {@code seekable()}, and {@code close()} of each stream view. The confined contract says
 * every method but {@code isClosed()} and {@code toString()} throws {@link WrongThreadException}
 * and changes nothing, and that every view answers only to the owner.
 */
class ConfinedIntruderTest {
  @TempDir Path dir;
  private FileChannel channel;

  /** The kinds of map, each made confined. */
  enum Kind {
    FILE,
    CHANNEL,
    PRIVATE_ANONYMOUS
  }

  /** The stream views, and how the owner sees whether one is still open. */
  enum View {
    INPUT_STREAM(Mmap::inputStream),
    OUTPUT_STREAM(Mmap::outputStream),
    CHANNEL(Mmap::channel);

    final Function<Mmap, Closeable> make;

    View(Function<Mmap, Closeable> make) {
      this.make = make;
    }

    /** Uses the view once in the owner thread; throws if it was closed. */
    void use(Closeable v) throws IOException {
      switch (v) {
        case InputStream in -> in.read();
        case OutputStream out -> out.write('x');
        case SeekableByteChannel ch -> ch.read(ByteBuffer.allocate(1));
        default -> throw new AssertionError(v);
      }
    }
  }

  @AfterEach
  void closeChannel() throws IOException {
    if (channel != null) {
      channel.close();
    }
  }

  private Mmap make(Kind kind) throws IOException {
    MmapOptions o = Mmap.options().confined();
    Path f = Files.write(dir.resolve(kind + ".bin"), "line one\nline two\n".getBytes());
    return switch (kind) {
      case FILE -> o.access(Access.WRITE).map(f);
      case CHANNEL -> {
        channel = FileChannel.open(f, StandardOpenOption.READ, StandardOpenOption.WRITE);
        yield o.access(Access.WRITE).map(channel);
      }
      case PRIVATE_ANONYMOUS -> o.flags(Mmap.MAP_PRIVATE).anonymous(64);
    };
  }

  private static Throwable inAnotherThread(ThrowingRunnable op) throws InterruptedException {
    return ConfinedTest.inAnotherThread(op); // a thread named "intruder"
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void seekableCalledFromAnotherThreadThrowsWrongThread(Kind kind) throws Exception {
    try (Mmap m = make(kind)) {
      Throwable t = inAnotherThread(m::seekable);
      assertInstanceOf(
          WrongThreadException.class,
          t,
          kind + ": seekable() is not among the methods a confined map answers to other threads");
      assertTrue(m.seekable(), kind.toString());
    }
  }

  @ParameterizedTest
  @EnumSource(View.class)
  void closingAStreamViewFromAnotherThreadThrowsWrongThreadAndLeavesItOpenForTheOwner(View view)
      throws Exception {
    for (Kind kind : Kind.values()) {
      try (Mmap m = make(kind)) {
        Closeable v = view.make.apply(m);
        Throwable t = inAnotherThread(v::close);
        String why = kind + " " + view + ": close() from another thread: " + t;
        Throwable used = null;
        try {
          view.use(v);
        } catch (IOException e) {
          used = e;
        }
        assertEquals(
            null, used, why + "; the owner then found its view closed by the other thread");
        assertInstanceOf(WrongThreadException.class, t, why);
      }
    }
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void theCharSequenceAndMatchesViewsUsedFromAnotherThreadNameTheOwnerAndTheMapAsTheOtherViewsDo(
      Kind kind) throws Exception {
    try (Mmap m = make(kind)) {
      CharSequence cs = m.asCharSequence();
      var matches = m.matches(Pattern.compile("two"));
      InputStream in = m.inputStream();
      List<ThrowingRunnable> uses =
          List.of(in::read, () -> cs.charAt(0), () -> cs.toString(), matches::count);
      for (int i = 0; i < uses.size(); i++) {
        Throwable t = inAnotherThread(uses.get(i));
        String why = kind + " view use #" + i + ": " + t;
        assertInstanceOf(WrongThreadException.class, t, why);
        assertTrue(t.getMessage().contains("confined to thread"), why);
        assertTrue(t.getMessage().contains("intruder"), why);
      }
    }
  }
}
