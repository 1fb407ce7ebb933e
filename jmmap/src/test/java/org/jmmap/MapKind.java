package org.jmmap;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

/**
 * Every kind of map that the view contract tests run on: the kinds of {@link MapKindsTest}, and the
 * main ones again made with {@link MmapOptions#confined()} (the test thread owns them).
 */
enum MapKind {
  SHARED_FILE(true, true),
  DEFAULT_ACCESS_FILE(true, true),
  COPY_ON_WRITE_FILE(true, false),
  READ_ONLY_FILE(false, false),
  PROT_READ_ONLY_FILE(false, false),
  PRIVATE_FLAG_FILE(true, false),
  POPULATED_UNTRACKED_FILE(true, false),
  OFFSET_FILE(true, true),
  CHANNEL(true, true),
  READ_ONLY_CHANNEL(false, false),
  SHARED_ANONYMOUS(true, true),
  PRIVATE_ANONYMOUS(true, true),
  CONFINED_FILE(true, true),
  CONFINED_READ_ONLY_FILE(false, false),
  CONFINED_CHANNEL(true, true),
  CONFINED_ANONYMOUS(true, true);

  /** Whether the map accepts writes. */
  final boolean writable;

  /** Whether {@link Mmap#resize} can change the map's length. */
  final boolean resizable;

  MapKind(boolean writable, boolean resizable) {
    this.writable = writable;
    this.resizable = resizable;
  }

  /** {@return whether the map belongs to the thread that made it} */
  boolean confined() {
    return name().startsWith("CONFINED_");
  }

  /** {@return the kinds whose length {@link Mmap#resize} can change} */
  static Stream<MapKind> resizable() {
    return Arrays.stream(values()).filter(k -> k.resizable);
  }

  /** {@return the kinds that other threads may use} */
  static Stream<MapKind> shared() {
    return Arrays.stream(values()).filter(k -> !k.confined());
  }

  /** {@return the kinds that accept writes} */
  static Stream<MapKind> writable() {
    return Arrays.stream(values()).filter(k -> k.writable);
  }

  /** {@return the kinds that refuse writes} */
  static Stream<MapKind> readOnly() {
    return Arrays.stream(values()).filter(k -> !k.writable);
  }

  /**
   * {@return a map of this kind whose bytes are {@code content}}, at position 0; the map, and a
   * channel it needs open, are added to {@code opened} for the test to close
   */
  Mmap open(Path dir, byte[] content, List<AutoCloseable> opened) throws IOException {
    Path f = Files.write(Files.createTempFile(dir, name(), ".bin"), content);
    MmapOptions confined = Mmap.options().confined();
    Mmap m =
        switch (this) {
          case SHARED_FILE -> Mmap.map(f, 0, Access.WRITE);
          case DEFAULT_ACCESS_FILE -> Mmap.map(f, content.length, Access.DEFAULT);
          case COPY_ON_WRITE_FILE -> Mmap.map(f, 0, Access.COPY);
          case READ_ONLY_FILE -> Mmap.map(f, 0, Access.READ);
          case PROT_READ_ONLY_FILE -> Mmap.options().prot(Mmap.PROT_READ).map(f);
          case PRIVATE_FLAG_FILE -> Mmap.options().flags(Mmap.MAP_PRIVATE).map(f);
          case POPULATED_UNTRACKED_FILE -> Mmap.options().populate(true).trackFd(false).map(f);
          case OFFSET_FILE -> Mmap.map(offsetFile(f, content), content.length, Access.WRITE, pg());
          case CHANNEL -> Mmap.map(channel(f, opened), 0, Access.WRITE, 0);
          case READ_ONLY_CHANNEL -> {
            try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ)) {
              yield Mmap.map(ch, 0, Access.READ, 0); // the map outlives the channel
            }
          }
          case SHARED_ANONYMOUS -> filled(Mmap.anonymous(content.length), content);
          case PRIVATE_ANONYMOUS ->
              filled(Mmap.options().flags(Mmap.MAP_PRIVATE).anonymous(content.length), content);
          case CONFINED_FILE -> confined.access(Access.WRITE).map(f);
          case CONFINED_READ_ONLY_FILE -> confined.access(Access.READ).map(f);
          case CONFINED_CHANNEL -> confined.access(Access.WRITE).map(channel(f, opened));
          case CONFINED_ANONYMOUS -> filled(confined.anonymous(content.length), content);
        };
    opened.add(m);
    return m;
  }

  private static int pg() {
    return Mmap.PAGESIZE;
  }

  /** The file holds a page of filler, the content, then two bytes that the map never shows. */
  private static Path offsetFile(Path f, byte[] content) throws IOException {
    try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
      raf.setLength(0);
      raf.write(new byte[pg()]);
      raf.write(content);
      raf.write(new byte[] {'x', 'y'});
    }
    return f;
  }

  private static FileChannel channel(Path f, List<AutoCloseable> opened) throws IOException {
    FileChannel ch = FileChannel.open(f, StandardOpenOption.READ, StandardOpenOption.WRITE);
    opened.add(ch);
    return ch;
  }

  private static Mmap filled(Mmap m, byte[] content) {
    m.setSlice(0, content.length, content);
    return m;
  }

  /** Closes what {@link #open} opened, the last first. */
  static void closeAll(List<AutoCloseable> opened) throws Exception {
    for (int i = opened.size() - 1; i >= 0; i--) {
      opened.get(i).close();
    }
    opened.clear();
  }
}
