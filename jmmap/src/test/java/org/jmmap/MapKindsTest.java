package org.jmmap;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Nested;

/** The contract, run once for every kind of map. */
class MapKindsTest {

  private static Path file(Path dir, byte[] content) throws IOException {
    return Files.write(Files.createTempFile(dir, "map", ".bin"), content);
  }

  @Nested
  class SharedFile extends MapContract {
    @Override
    Mmap create(byte[] initial) throws IOException {
      return Mmap.map(file(dir, initial), 0, Access.WRITE);
    }
  }

  @Nested
  class DefaultAccessFile extends MapContract {
    @Override
    Mmap create(byte[] initial) throws IOException {
      return Mmap.map(file(dir, initial), initial.length, Access.DEFAULT);
    }
  }

  @Nested
  class CopyOnWriteFile extends MapContract {
    @Override
    Mmap create(byte[] initial) throws IOException {
      return Mmap.map(file(dir, initial), 0, Access.COPY);
    }
  }

  @Nested
  class ReadOnlyFile extends MapContract {
    @Override
    Mmap create(byte[] initial) throws IOException {
      return Mmap.map(file(dir, initial), 0, Access.READ);
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
      return Mmap.options().prot(Mmap.PROT_READ).map(file(dir, initial));
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
      return Mmap.options().flags(Mmap.MAP_PRIVATE).map(file(dir, initial));
    }
  }

  @Nested
  class PopulatedFile extends MapContract {
    @Override
    Mmap create(byte[] initial) throws IOException {
      return Mmap.options().populate(true).trackFd(false).map(file(dir, initial));
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
      return Mmap.map(f, initial.length, Access.WRITE, Mmap.PAGESIZE);
    }
  }

  @Nested
  class Channel extends MapContract {
    private FileChannel channel;

    @Override
    Mmap create(byte[] initial) throws IOException {
      closeChannel();
      channel =
          FileChannel.open(file(dir, initial), StandardOpenOption.READ, StandardOpenOption.WRITE);
      return Mmap.map(channel, 0, Access.WRITE, 0);
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
        return Mmap.map(ch, 0, Access.READ, 0); // the map outlives the channel
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
      Mmap m = Mmap.anonymous(initial.length);
      m.write(initial);
      m.seek(0);
      return m;
    }
  }

  @Nested
  class PrivateAnonymous extends MapContract {
    @Override
    Mmap create(byte[] initial) throws IOException {
      Mmap m = Mmap.options().flags(Mmap.MAP_PRIVATE).anonymous(initial.length);
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
      return Mmap.map(file(dir, initial), 0, Access.WRITE);
    }
  }
}
