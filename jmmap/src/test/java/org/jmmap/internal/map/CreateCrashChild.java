package org.jmmap.internal.map;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.jmmap.internal.ffi.NativeOs;

/**
 * Creates a shared file the way {@code SharedMemory.create} does, through the real OS layer, but
 * stops for good just before the n-th system call, says so on standard output and waits to be
 * killed. Arguments: the path, the size, n, and {@code fallback} to create as on a file system
 * without unnamed files.
 */
public final class CreateCrashChild {
  /** Calls that ask the layer a question and make no system call on a file. */
  private static final Set<String> QUERIES =
      Set.of("unavailableReason", "pageSize", "supportsRemap", "supportsMemfd", "segment");

  private CreateCrashChild() {}

  public static void main(String[] args) throws Exception {
    Path path = Path.of(args[0]);
    long size = Long.parseLong(args[1]);
    int stopAt = Integer.parseInt(args[2]);
    boolean fallback = args.length > 3 && args[3].equals("fallback");
    NativeOs real = NativeOs.current();
    AtomicInteger calls = new AtomicInteger();
    AtomicBoolean armed = new AtomicBoolean(true);
    NativeOs os =
        (NativeOs)
            Proxy.newProxyInstance(
                NativeOs.class.getClassLoader(),
                new Class<?>[] {NativeOs.class},
                (proxy, method, a) -> {
                  String call = method.getName();
                  if (method.getDeclaringClass() == NativeOs.class && !QUERIES.contains(call)) {
                    if (fallback && call.equals("createUnnamed")) {
                      return -1; // as the kernel answers on a file system without O_TMPFILE
                    }
                    if (armed.get() && calls.getAndIncrement() == stopAt) {
                      System.out.println("stopped before " + call);
                      System.out.flush();
                      Thread.sleep(Long.MAX_VALUE);
                    }
                  }
                  return invoke(real, method, a);
                });
    Region r = new Opener(os).open(Request.sharedWrite(new Source.NewFile(path, 0600), size));
    armed.set(false);
    r.close();
    System.out.println("done after " + calls.get() + " calls");
  }

  private static Object invoke(NativeOs real, Method method, Object[] args) throws Throwable {
    try {
      return method.invoke(real, args);
    } catch (InvocationTargetException e) {
      throw e.getCause();
    }
  }
}
