package org.jmmap.modulepath;

import static java.nio.charset.StandardCharsets.US_ASCII;

import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.jmmap.Access;
import org.jmmap.Mmap;

/**
 * A program that uses only what the portable backing offers, for a child JVM started with jmmap on
 * the class path or on the module path: it maps a file read/write, reads a line, searches, resizes
 * and flushes it, and shares anonymous memory through {@code attachPath()}. It lives outside
 * package {@code org.jmmap}, which on the module path belongs to jmmap's module alone.
 */
public final class NoFlagMain {
  private NoFlagMain() {}

  /**
   * Runs the program and prints each map's {@code toString()}.
   *
   * @param args the file to make and map, and the backing each map must name ({@code portable} or
   *     {@code native})
   * @throws Exception if anything fails, which the parent reports with the exit status
   */
  public static void main(String[] args) throws Exception {
    Path file = Files.write(Path.of(args[0]), "Hello Python!\nsecond line\n".getBytes(US_ASCII));
    String backing = ", backing=" + args[1] + "]";
    try (Mmap m = Mmap.map(file, 0, Access.WRITE)) {
      check(Arrays.equals("Hello Python!\n".getBytes(US_ASCII), m.readLine()), "readLine", m);
      check(m.find("line".getBytes(US_ASCII)) == 21, "find", m);
      m.setSlice(6, 13, "world!!".getBytes(US_ASCII));
      m.resize(4096);
      m.set(4095, (byte) '\n');
      m.flush();
      check(m.toString().endsWith(backing), "toString names the backing", m);
      System.out.println(m);
    }
    byte[] written = Files.readAllBytes(file);
    check(written.length == 4096, "the file grew to 4096 bytes: " + written.length, file);
    check(
        new String(written, 0, 26, US_ASCII).equals("Hello world!!\nsecond line\n"),
        "the file holds what the map wrote",
        file);
    try (Mmap shared = Mmap.anonymous(4096)) {
      shared.putLong(8, ByteOrder.LITTLE_ENDIAN, 42);
      shared.resize(8192);
      Path attach = shared.attachPath().orElseThrow();
      byte[] seen = Files.readAllBytes(attach);
      check(seen.length == 8192 && seen[8] == 42, "another reader sees the memory", shared);
      check(shared.toString().endsWith(backing), "toString names the backing", shared);
      System.out.println(shared);
    }
  }

  private static void check(boolean ok, String what, Object where) {
    if (!ok) {
      throw new AssertionError(what + ": " + where);
    }
  }
}
