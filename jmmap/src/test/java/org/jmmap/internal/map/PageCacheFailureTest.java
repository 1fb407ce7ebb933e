package org.jmmap.internal.map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import org.jmmap.SystemCallException;
import org.junit.jupiter.api.Test;

/** The page-cache calls of a region when the kernel refuses them, through a failing seam. */
class PageCacheFailureTest {
  private static final int EPERM = 1;
  private static final int EAGAIN = 11;
  private static final int ENOMEM = 12;
  private static final int EINVAL = 22;

  private final long page = Opener.system() == null ? 4096 : Opener.system().pageSize();

  private static Request anonymous(long length) {
    return new Request(
        new Source.Anonymous(),
        length,
        Mode.Kind.DEFAULT,
        Mman.MAP_PRIVATE,
        Mman.PROT_READ | Mman.PROT_WRITE,
        0,
        true,
        false,
        false);
  }

  @Test
  void aLockThatTheLimitRefusesNamesRlimitMemlock() throws IOException {
    assumeTrue(Opener.system() != null, "needs the Linux layer");
    for (int errno : new int[] {ENOMEM, EPERM, EAGAIN}) {
      FaultyOs os = new FaultyOs();
      Region r = new Opener(os).open(anonymous(4 * page));
      try {
        os.failCall(0, errno);
        SystemCallException e =
            assertThrows(SystemCallException.class, () -> r.lock(0, 4 * page, true));
        assertEquals(errno, e.errno());
        assertTrue(e.getMessage().contains("RLIMIT_MEMLOCK"), e.getMessage());
        assertTrue(e.getMessage().contains("mlock"), e.getMessage());
        assertTrue(e.getMessage().contains("locking " + 4 * page + " bytes"), e.getMessage());
        assertTrue(e.getMessage().contains("ulimit -l"), e.getMessage());
        assertEquals("mlock", os.failed());
      } finally {
        os.disarm();
        r.close();
      }
    }
  }

  @Test
  void anUnlockThatFailsIsNotBlamedOnTheLimit() throws IOException {
    assumeTrue(Opener.system() != null, "needs the Linux layer");
    FaultyOs os = new FaultyOs();
    Region r = new Opener(os).open(anonymous(4 * page));
    try {
      os.failCall(0, ENOMEM);
      SystemCallException e = assertThrows(SystemCallException.class, () -> r.lock(0, page, false));
      assertTrue(e.getMessage().contains("munlock"), e.getMessage());
      assertTrue(!e.getMessage().contains("RLIMIT_MEMLOCK"), e.getMessage());
    } finally {
      os.disarm();
      r.close();
    }
  }

  @Test
  void aKernelWithoutPopulateAdviceGetsEachPageTouchedInstead() throws IOException {
    assumeTrue(Opener.system() != null, "needs the Linux layer");
    FaultyOs os = new FaultyOs();
    Region r = new Opener(os).open(anonymous(8 * page));
    try {
      assertEquals(0.0, r.residentFraction(0, 8 * page));
      os.failCall(0, EINVAL); // what a kernel before 5.14 answers MADV_POPULATE_WRITE
      assertNull(r.populate(1, 8 * page - 1));
      assertEquals("madvise", os.failed());
      os.disarm();
      // touched for reading: private anonymous pages are then the shared zero page, which
      // mincore counts as resident
      assertEquals(1.0, r.residentFraction(0, 8 * page));
    } finally {
      os.disarm();
      r.close();
    }
  }

  @Test
  void otherFailuresOfPopulateAndMincoreAreReportedAsTheyAre() throws IOException {
    assumeTrue(Opener.system() != null, "needs the Linux layer");
    FaultyOs os = new FaultyOs();
    Region r = new Opener(os).open(anonymous(8 * page));
    try {
      os.failCall(0, ENOMEM);
      SystemCallException e = assertThrows(SystemCallException.class, () -> r.populate(0, page));
      assertEquals(ENOMEM, e.errno());
      assertTrue(e.getMessage().contains("madvise"), e.getMessage());
      os.failCall(0, ENOMEM);
      e = assertThrows(SystemCallException.class, () -> r.residentFraction(0, page));
      assertTrue(e.getMessage().contains("mincore"), e.getMessage());
    } finally {
      os.disarm();
      r.close();
    }
  }
}
