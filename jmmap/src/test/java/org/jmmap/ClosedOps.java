package org.jmmap;

import java.util.List;
import org.jmmap.MapContract.ThrowingRunnable;

/** Every public method of a map except close, isClosed and toString. */
final class ClosedOps {
  private ClosedOps() {}

  static List<ThrowingRunnable> all(Mmap m) {
    byte[] one = {1};
    return List.of(
        m::length,
        () -> m.get(0),
        () -> m.set(0, (byte) 1),
        () -> m.slice(0, 1),
        () -> m.slice(0, 1, 1),
        () -> m.setSlice(0, 1, one),
        () -> m.setSlice(0, 1, 1, one),
        m::read,
        () -> m.read(1),
        () -> m.read(new byte[1], 0, 1),
        () -> m.read(java.nio.ByteBuffer.allocate(1)),
        m::readByte,
        m::readLine,
        () -> m.write(one),
        () -> m.write(null),
        () -> m.writeByte((byte) 1),
        () -> m.seek(0),
        () -> m.seek(0, Whence.END),
        m::tell,
        m::size,
        () -> m.find(one),
        () -> m.find(one, 0),
        () -> m.find(one, 0, 1),
        () -> m.rfind(one),
        () -> m.rfind(one, 0),
        () -> m.rfind(one, 0, 1),
        () -> m.move(0, 0, 1),
        m::flush,
        () -> m.flush(0, 1),
        () -> m.resize(10),
        () -> m.madvise(Mmap.MADV_NORMAL),
        () -> m.madvise(Mmap.MADV_NORMAL, 0, 1),
        () -> m.getShorts(0, new short[1], 0, 1, java.nio.ByteOrder.BIG_ENDIAN),
        () -> m.getInts(0, new int[1], 0, 1, java.nio.ByteOrder.BIG_ENDIAN),
        () -> m.getLongs(0, new long[1], 0, 1, java.nio.ByteOrder.BIG_ENDIAN),
        () -> m.getFloats(0, new float[1], 0, 1, java.nio.ByteOrder.BIG_ENDIAN),
        () -> m.getDoubles(0, new double[1], 0, 1, java.nio.ByteOrder.BIG_ENDIAN),
        () -> m.putShorts(0, new short[1], 0, 1, java.nio.ByteOrder.BIG_ENDIAN),
        () -> m.putInts(0, new int[1], 0, 1, java.nio.ByteOrder.BIG_ENDIAN),
        () -> m.putLongs(0, new long[1], 0, 1, java.nio.ByteOrder.BIG_ENDIAN),
        () -> m.putFloats(0, new float[1], 0, 1, java.nio.ByteOrder.BIG_ENDIAN),
        () -> m.putDoubles(0, new double[1], 0, 1, java.nio.ByteOrder.BIG_ENDIAN),
        () -> m.populate(0, 1),
        () -> m.isLoaded(0, 1),
        () -> m.residentFraction(0, 1),
        () -> m.lock(0, 1),
        () -> m.unlock(0, 1),
        () -> m.flushAsync(0, 1),
        m::segment,
        m::access,
        m::offset,
        m::attachPath);
  }
}
