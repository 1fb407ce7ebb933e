package org.jmmap.internal.map;

/**
 * Everything a map is made from, as Python's constructor takes it.
 *
 * @param source what to map
 * @param length bytes, 0 for the rest of the file
 * @param access the requested access
 * @param flags {@code MAP_*}
 * @param prot {@code PROT_*}
 * @param offset the file offset
 * @param trackFd whether to keep the descriptor for {@code size()} and {@code resize()}
 * @param populate whether to prefault the pages
 * @param confined whether the map belongs to the thread that makes it
 */
public record Request(
    Source source,
    long length,
    Mode.Kind access,
    int flags,
    int prot,
    long offset,
    boolean trackFd,
    boolean populate,
    boolean confined) {

  /**
   * {@return a request for a map of {@code source} with {@code MmapOptions}' defaults} for all but
   * the length, the access and the offset ({@code MAP_SHARED}, {@code PROT_READ | PROT_WRITE}, the
   * descriptor kept, not populated, not confined)
   */
  public static Request withDefaults(Source source, long length, Mode.Kind access, long offset) {
    return new Request(
        source,
        length,
        access,
        Mman.MAP_SHARED,
        Mman.PROT_READ | Mman.PROT_WRITE,
        offset,
        true,
        false,
        false);
  }

  /**
   * {@return a request for a shared, writable map of all of {@code source} from offset 0} (how
   * shared memory maps its file)
   *
   * @param length bytes, 0 for the whole file
   */
  public static Request sharedWrite(Source source, long length) {
    return new Request(
        source,
        length,
        Mode.Kind.WRITE,
        Mman.MAP_SHARED,
        Mman.PROT_READ | Mman.PROT_WRITE,
        0,
        true,
        false,
        false);
  }

  boolean anonymous() {
    return source.anonymous();
  }
}
