package org.jmmap;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Nested;

/**
 * The contract, run once for every kind of map made with {@link MmapOptions#confined()}: a map
 * confined to its thread behaves exactly as a shared one for that thread (JUnit runs each test and
 * its clean-up in one thread).
 */
class ConfinedKindsTest {

  private static Path file(Path dir, byte[] content) throws IOException {
    return Files.write(Files.createTempFile(dir, "map", ".bin"), content);
  }

  private static MmapOptions confined() {
    return Mmap.options().confined();
  }

  @Nested
  class SharedFile extends MapContract {
    @Override
    Mmap create(byte[] initial) throws IOException {
      return confined().access(Access.WRITE).map(file(dir, initial));
    }
  }

  @Nested
  class DefaultAccessFile extends MapContract {
    @Override
    Mmap create(byte[] initial) throws IOException {
      return confined().length(initial.length).map(file(dir, initial));
    }
  }

  @Nested
  class CopyOnWriteFile extends MapContract {
    @Override
    Mmap create(byte[] initial) throws IOException {
      return confined().access(Access.COPY).map(file(dir, initial));
    }
  }

  @Nested
  class ReadOnlyFile extends MapContract {
    @Override
    Mmap create(byte[] initial) throws IOException {
      return confined().access(Access.READ).map(file(dir, initial));
    }

    @Override
    boolean writable() {
      return false;
    }
  }

  @Nested
  class ProtReadOnlyFile extends MapContract {
    @Override
    Mmap create(byte[] initial) throws IOException {
      return confined().prot(Mmap.PROT_READ).map(file(dir, initial));
    }

    @Override
    boolean writable() {
      return false;
    }
  }

  @Nested
  class PrivateFlagFile extends MapContract {
    @Override
    Mmap create(byte[] initial) throws IOException {
      return confined().flags(Mmap.MAP_PRIVATE).map(file(dir, initial));
    }
  }

  @Nested
  class PopulatedFile extends MapContract {
    @Override
    Mmap create(byte[] initial) throws IOException {
      return confined().populate(true).trackFd(false).map(file(dir, initial));
    }
  }

  /** The file holds a page of filler, then the content; the map starts at the second page. */
  @Nested
  class OffsetFile extends MapContract {
    @Override
    Mmap create(byte[] initial) throws IOException {
      Path f = Files.createTempFile(dir, "offset", ".bin");
      try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
        raf.write(new byte[Mmap.PAGESIZE]);
        raf.write(initial);
        raf.write(new byte[] {'x', 'y'}); // after the map: never visible
      }
      return confined().length(initial.length).access(Access.WRITE).offset(Mmap.PAGESIZE).map(f);
    }
  }

  /** A channel map: the channel's own thread maps, the caller's confined arena holds it. */
  @Nested
  class Channel extends MapContract {
    private FileChannel channel;

    @Override
    Mmap create(byte[] initial) throws IOException {
      closeChannel();
      channel =
          FileChannel.open(file(dir, initial), StandardOpenOption.READ, StandardOpenOption.WRITE);
      return confined().access(Access.WRITE).map(channel);
    }

    @AfterEach
    void closeChannel() throws IOException {
      if (channel != null) {
        channel.close();
      }
    }
  }

  @Nested
  class PopulatedPrivateChannel extends MapContract {
    private FileChannel channel;

    @Override
    Mmap create(byte[] initial) throws IOException {
      closeChannel();
      channel =
          FileChannel.open(file(dir, initial), StandardOpenOption.READ, StandardOpenOption.WRITE);
      return confined().access(Access.COPY).populate(true).map(channel);
    }

    @AfterEach
    void closeChannel() throws IOException {
      if (channel != null) {
        channel.close();
      }
    }
  }

  @Nested
  class ReadOnlyChannel extends MapContract {
    @Override
    Mmap create(byte[] initial) throws IOException {
      try (FileChannel ch = FileChannel.open(file(dir, initial), StandardOpenOption.READ)) {
        return confined().access(Access.READ).map(ch); // the map outlives the channel
      }
    }

    @Override
    boolean writable() {
      return false;
    }
  }

  @Nested
  class SharedAnonymous extends MapContract {
    @Override
    Mmap create(byte[] initial) throws IOException {
      Mmap m = confined().anonymous(initial.length);
      m.write(initial);
      m.seek(0);
      return m;
    }
  }

  @Nested
  class PrivateAnonymous extends MapContract {
    @Override
    Mmap create(byte[] initial) throws IOException {
      Mmap m = confined().flags(Mmap.MAP_PRIVATE).anonymous(initial.length);
      m.setSlice(0, initial.length, initial);
      return m;
    }
  }

  /** Lengths at the edges: one byte, a page, a page and one byte, three pages less one. */
  @Nested
  class Adversarial extends MapContract {
    @Override
    int[] lengths() {
      return new int[] {
        1, 2, Mmap.PAGESIZE - 1, Mmap.PAGESIZE, Mmap.PAGESIZE + 1, 3 * Mmap.PAGESIZE - 1
      };
    }

    @Override
    Mmap create(byte[] initial) throws IOException {
      return confined().access(Access.WRITE).map(file(dir, initial));
    }
  }
}
