package org.jmmap.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.jmmap.Mmap;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link Mmap#readLineSegment()} promises that a fault on a file truncated under the map, while the
 * caller reads the slice, surfaces as the JDK's {@link InternalError}. A caller who takes a
 * zero-copy line reads it with the fastest tool the JDK has, the Vector API, compiled by C2.
 */
class LineSegmentFaultTest {
  @TempDir Path dir;

  @ParameterizedTest
  @ValueSource(strings = {"shared", "confined"})
  void aLineSegmentReadWithTheVectorApiAfterItsFileIsTruncatedIsAnInternalErrorNotADeadJvm(
      String kind) throws Exception {
    ChildJvm.Result r =
        ChildJvm.run(
            dir,
            List.of("--add-modules=jdk.incubator.vector"),
            LineSegmentChild.class,
            dir.toString(),
            kind);
    String report = kind + " map: " + r.describe();
    assertTrue(r.output().contains("warmed up"), report);
    assertEquals(0, r.status(), report);
    assertTrue(r.output().contains("InternalError for the truncated line"), report);
    assertTrue(r.output().contains("survived"), report);
  }
}
