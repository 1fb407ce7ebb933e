package org.jmmap.modulepath;

import java.lang.reflect.InvocationTargetException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.jmmap.Access;
import org.jmmap.Mmap;

/**
 * Runs in a JVM that has jmmap on the module path and this class on the class path: maps a file
 * through the named module and checks that only {@code org.jmmap} is exported. Prints one line per
 * finding; exits non-zero on the first wrong one.
 */
public final class ModuleMain {
  private ModuleMain() {}

  public static void main(String[] args) throws Exception {
    Module jmmap = Mmap.class.getModule();
    check(jmmap.isNamed() && jmmap.getName().equals("org.jmmap"), "jmmap is the named module");
    Path file = Path.of(args[0]);
    Files.writeString(file, "hello module path\n");
    try (Mmap m = Mmap.map(file, 0, Access.WRITE)) {
      m.setSlice(0, 5, "HELLO".getBytes(StandardCharsets.US_ASCII));
      check(m.find("module".getBytes(StandardCharsets.US_ASCII)) == 6, "find in the map");
      m.resize(m.length() + 1);
      m.flush();
    }
    check(
        Files.readString(file).equals("HELLO module path\n\0"),
        "the file holds what the map wrote");
    check(jmmap.isExported("org.jmmap"), "org.jmmap is exported");
    for (String p : jmmap.getPackages()) {
      check(p.equals("org.jmmap") || !jmmap.isExported(p), p + " is not exported");
    }
    check(jmmap.getPackages().contains("org.jmmap.internal.ffi"), "the OS layer is in the module");
    Class<?> region = Class.forName("org.jmmap.internal.map.Opener");
    try {
      region.getMethod("system").invoke(null);
      check(false, "an internal class cannot be used from outside the module");
    } catch (IllegalAccessException expected) {
      System.out.println("ok: an internal class cannot be used from outside the module");
    } catch (InvocationTargetException e) {
      throw e;
    }
  }

  private static void check(boolean ok, String what) {
    if (!ok) {
      System.out.println("FAILED: " + what);
      System.exit(1);
    }
    System.out.println("ok: " + what);
  }
}
