package org.jmmap;

import static java.nio.charset.StandardCharsets.US_ASCII;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * A program that uses only what the portable backing offers: started with no JVM flag, it must map,
 * read, write, search, resize and flush without a word on standard error.
 */
public final class PortableChild {
  private PortableChild() {}

  /**
   * Maps the file {@code args[0]} and anonymous memory, and prints each map's {@code toString()}.
   *
   * @param args the file to make and map
   * @throws Exception if anything fails, which the parent reports
   */
  public static void main(String[] args) throws Exception {
    Path f = Files.write(Path.of(args[0]), "Hello Python!\n".getBytes(US_ASCII));
    try (Mmap m = Mmap.map(f, 0, Access.DEFAULT)) {
      if (!Arrays.equals("Hello Python!\n".getBytes(US_ASCII), m.readLine())) {
        throw new AssertionError("readLine");
      }
      m.setSlice(6, Long.MAX_VALUE, " world!\n".getBytes(US_ASCII));
      m.flush();
      m.resize(4096);
      if (m.find("world".getBytes(US_ASCII), 0) != 7) {
        throw new AssertionError("find");
      }
      System.out.println(m);
    }
    for (Mmap a :
        new Mmap[] {Mmap.anonymous(4096), Mmap.options().flags(Mmap.MAP_PRIVATE).anonymous(4096)}) {
      try (a) {
        a.putLong(8, java.nio.ByteOrder.LITTLE_ENDIAN, 42);
        a.resize(8192);
        if (a.getLong(8, java.nio.ByteOrder.LITTLE_ENDIAN) != 42) {
          throw new AssertionError("resize lost a long: " + a);
        }
        System.out.println(a);
      }
    }
  }
}
