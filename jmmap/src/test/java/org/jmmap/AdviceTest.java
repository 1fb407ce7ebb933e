package org.jmmap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The typed advice is exactly the allow-list of int advice, and each value reaches the kernel. */
class AdviceTest {
  @Test
  void everyAdviceIsAnAllowedIntAndEveryAllowedIntIsAnAdvice() throws Exception {
    List<Integer> allowed = new ArrayList<>();
    try (Mmap m = Mmap.anonymous(Mmap.PAGESIZE)) {
      for (int v = -1024; v <= 1024; v++) {
        try {
          m.madvise(v, 0, 0); // an empty range: the kernel checks the advice and does nothing
          allowed.add(v);
        } catch (IllegalArgumentException refused) {
          // not on the allow-list
        } catch (UncheckedIOException kernelRefused) {
          allowed.add(v); // allowed by jmmap, refused by the kernel for this kind of map
        }
      }
    }
    List<Integer> typed = new ArrayList<>();
    for (Advice a : Advice.values()) {
      typed.add(a.value());
    }
    assertEquals(allowed, typed);
  }

  @Test
  void eachAdviceIsGivenOrRefusedByTheKernelAndTheMapStaysUsable() throws Exception {
    for (Advice a : Advice.values()) {
      try (Mmap m = Mmap.options().flags(Mmap.MAP_PRIVATE).anonymous(4L * Mmap.PAGESIZE)) {
        m.set(0, (byte) 1);
        try {
          m.madvise(a);
          m.madvise(a, Mmap.PAGESIZE, Mmap.PAGESIZE);
        } catch (UncheckedIOException kernelRefused) {
          // e.g. MADV_REMOVE on private memory
        }
        m.set(3L * Mmap.PAGESIZE, (byte) 2);
        assertEquals(2, m.get(3L * Mmap.PAGESIZE), a.toString());
      }
    }
    try (Mmap m = Mmap.anonymous(Mmap.PAGESIZE)) {
      assertThrows(NullPointerException.class, () -> m.madvise((Advice) null));
    }
  }
}
