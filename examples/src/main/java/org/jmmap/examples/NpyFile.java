package org.jmmap.examples;

import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jmmap.Access;
import org.jmmap.Mmap;

/**
 * A {@code .npy} file that numpy's {@code np.save} wrote, mapped and read in place: its header is
 * parsed, and its data read with the bulk accessors of {@link Mmap} straight from the page cache,
 * without a copy into a buffer first. Numeric arrays of 2, 4 and 8 bytes per element, in either
 * byte order, in versions 1.0, 2.0 and 3.0 of the format.
 *
 * {@snippet :
 * try (NpyFile npy = NpyFile.open(Path.of("embeddings.npy"))) {  // np.save("embeddings.npy", a)
 *   double[] row = new double[(int) npy.shape()[1]];
 *   npy.getDoubles(7 * row.length, row, 0, row.length);            // a[7]
 * }
 * }
 *
 * <p>Run it as {@code NpyFile FILE} to print the header and the sum of the values.
 */
public final class NpyFile implements AutoCloseable {
  private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
  private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([<>|=])([fiu])(\\d+)'");
  private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
  private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

  private final Mmap map;
  private final String descr;
  private final char kind;
  private final int itemSize;
  private final ByteOrder order;
  private final boolean fortranOrder;
  private final long[] shape;
  private final long dataOffset;

  private NpyFile(Mmap map, Path file) throws IOException {
    this.map = map;
    byte[] magic = map.slice(0, Math.min(map.length(), 8));
    if (magic.length < 8 || !Arrays.equals(Arrays.copyOf(magic, 6), MAGIC)) {
      throw new IOException("not a .npy file (no \\x93NUMPY magic): " + file);
    }
    int major = magic[6];
    long headerLength;
    int lengthBytes = major == 1 ? 2 : 4;
    if (major == 1) {
      headerLength = map.getShort(8, ByteOrder.LITTLE_ENDIAN) & 0xFFFF;
    } else if (major == 2 || major == 3) {
      headerLength = map.getInt(8, ByteOrder.LITTLE_ENDIAN) & 0xFFFFFFFFL;
    } else {
      throw new IOException("unknown .npy format version " + major + ": " + file);
    }
    dataOffset = 8 + lengthBytes + headerLength;
    if (dataOffset > map.length()) {
      throw new IOException("the .npy header passes the end of the file: " + file);
    }
    String header =
        new String(
            map.slice(8 + lengthBytes, dataOffset),
            major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
    Matcher d = DESCR.matcher(header);
    Matcher f = FORTRAN.matcher(header);
    Matcher s = SHAPE.matcher(header);
    if (!d.find() || !f.find() || !s.find()) {
      throw new IOException("a .npy header this reader does not know: " + header.strip());
    }
    descr = d.group(1) + d.group(2) + d.group(3);
    kind = d.group(2).charAt(0);
    itemSize = Integer.parseInt(d.group(3));
    order = d.group(1).equals(">") ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
    fortranOrder = f.group(1).equals("True");
    shape =
        Arrays.stream(s.group(1).split(","))
            .map(String::strip)
            .filter(x -> !x.isEmpty())
            .mapToLong(Long::parseLong)
            .toArray();
    if (dataOffset + count() * itemSize > map.length()) {
      throw new IOException(
          "the .npy file is shorter than its header says: " + count() + " items of " + descr);
    }
  }

  /**
   * {@return the {@code .npy} file at {@code file}, mapped read-only}
   *
   * @param file the file
   * @throws IOException if it cannot be mapped or is not a {@code .npy} file this class reads
   */
  public static NpyFile open(Path file) throws IOException {
    Mmap m = Mmap.map(file, 0, Access.READ);
    try {
      return new NpyFile(m, file);
    } catch (IOException | RuntimeException e) {
      m.close();
      throw e;
    }
  }

  /** {@return the dtype, e.g. {@code <f8}} */
  public String descr() {
    return descr;
  }

  /** {@return the byte order of the data} */
  public ByteOrder order() {
    return order;
  }

  /** {@return whether the data is in column-major order} */
  public boolean fortranOrder() {
    return fortranOrder;
  }

  /** {@return the shape; empty for a scalar} */
  public long[] shape() {
    return shape.clone();
  }

  /** {@return the number of elements} */
  public long count() {
    long n = 1;
    for (long x : shape) {
      n = Math.multiplyExact(n, x);
    }
    return n;
  }

  /** {@return where the data starts in the file} */
  public long dataOffset() {
    return dataOffset;
  }

  private void expect(char k, int size, String type) {
    if (kind != k || itemSize != size) {
      throw new IllegalStateException("the array is " + descr + ", not " + type);
    }
  }

  /**
   * Reads {@code len} {@code float64} elements from element {@code index} into {@code dst[off, off
   * + len)}.
   *
   * @param index the first element, in the array's own order
   * @param dst where to
   * @param off the first index in {@code dst}
   * @param len how many
   */
  public void getDoubles(long index, double[] dst, int off, int len) {
    expect('f', 8, "float64");
    map.getDoubles(dataOffset + index * 8, dst, off, len, order);
  }

  /**
   * Reads {@code len} {@code float32} elements from element {@code index} on.
   *
   * @param index the first element
   * @param dst where to
   * @param off the first index in {@code dst}
   * @param len how many
   */
  public void getFloats(long index, float[] dst, int off, int len) {
    expect('f', 4, "float32");
    map.getFloats(dataOffset + index * 4, dst, off, len, order);
  }

  /**
   * Reads {@code len} {@code int64} (or {@code uint64}) elements from element {@code index} on.
   *
   * @param index the first element
   * @param dst where to
   * @param off the first index in {@code dst}
   * @param len how many
   */
  public void getLongs(long index, long[] dst, int off, int len) {
    if (kind == 'f' || itemSize != 8) {
      throw new IllegalStateException("the array is " + descr + ", not a 64-bit integer");
    }
    map.getLongs(dataOffset + index * 8, dst, off, len, order);
  }

  /**
   * Reads {@code len} {@code int32} (or {@code uint32}) elements from element {@code index} on.
   *
   * @param index the first element
   * @param dst where to
   * @param off the first index in {@code dst}
   * @param len how many
   */
  public void getInts(long index, int[] dst, int off, int len) {
    if (kind == 'f' || itemSize != 4) {
      throw new IllegalStateException("the array is " + descr + ", not a 32-bit integer");
    }
    map.getInts(dataOffset + index * 4, dst, off, len, order);
  }

  /** {@return the sum of the elements, as doubles}, read a chunk at a time */
  public double sum() {
    double total = 0;
    long n = count();
    int chunk = 1 << 16;
    for (long i = 0; i < n; i += chunk) {
      int len = (int) Math.min(chunk, n - i);
      switch (descr.substring(1)) {
        case "f8" -> {
          double[] a = new double[len];
          getDoubles(i, a, 0, len);
          for (double v : a) total += v;
        }
        case "f4" -> {
          float[] a = new float[len];
          getFloats(i, a, 0, len);
          for (float v : a) total += v;
        }
        case "i8" -> {
          long[] a = new long[len];
          getLongs(i, a, 0, len);
          for (long v : a) total += v;
        }
        case "i4" -> {
          int[] a = new int[len];
          getInts(i, a, 0, len);
          for (int v : a) total += v;
        }
        default -> throw new IllegalStateException("sum of " + descr + " is not supported");
      }
    }
    return total;
  }

  @Override
  public void close() {
    map.close();
  }

  /**
   * Prints the header of a {@code .npy} file and the sum of its values.
   *
   * @param args the file
   * @throws IOException if it cannot be read
   */
  public static void main(String[] args) throws IOException {
    try (NpyFile npy = open(Path.of(args[0]))) {
      System.out.printf(
          Locale.ROOT,
          "%s shape=%s fortran_order=%s data at %d, sum %s%n",
          npy.descr(),
          Arrays.toString(npy.shape()),
          npy.fortranOrder(),
          npy.dataOffset(),
          npy.sum());
    }
  }
}
