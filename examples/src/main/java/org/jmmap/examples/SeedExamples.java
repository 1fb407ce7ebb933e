package org.jmmap.examples;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.jmmap.Access;
import org.jmmap.Mmap;

/**
 * The three examples of Python's {@code mmap} page, in Java. Standard output is exactly what the
 * Python examples print; a heading for each example goes to standard error.
 *
 * <p>Python's third example forks, and the child reads the parent's anonymous shared memory. Java
 * cannot fork, so the parent starts a second JVM and hands it {@link Mmap#attachPath()}, {@code
 * /proc/<pid>/fd/<fd>} of the memory file behind the map; the child maps that path and so sees the
 * very same memory.
 */
public final class SeedExamples {
  private SeedExamples() {}

  /**
   * Runs the examples, or, as {@code child PATH}, the child of the third one.
   *
   * @param args nothing, or {@code child} and the path to attach to
   * @throws Exception if an example fails
   */
  public static void main(String[] args) throws Exception {
    if (args.length == 2 && args[0].equals("child")) {
      child(Path.of(args[1]));
      return;
    }
    Path dir = Files.createTempDirectory("jmmap-examples");
    try {
      System.err.println("# 1. map a file, read a line and a slice, write through a slice");
      simple(dir.resolve("hello.txt"));
      System.err.println("# 2. an anonymous map in try-with-resources");
      contextManager();
      System.err.println("# 3. a child process reads what the parent wrote to shared memory");
      parentAndChild();
    } finally {
      Files.deleteIfExists(dir.resolve("hello.txt"));
      Files.deleteIfExists(dir);
    }
  }

  static void simple(Path hello) throws IOException {
    // write a simple example file
    Files.write(hello, "Hello Python!\n".getBytes(StandardCharsets.US_ASCII));
    // memory-map the file, size 0 means whole file
    Mmap map = Mmap.map(hello, 0, Access.DEFAULT);
    // read content via standard file methods
    System.out.println(Bytes.repr(map.readLine())); // prints b'Hello Python!\n'
    // read content via slice notation
    System.out.println(Bytes.repr(map.slice(Long.MIN_VALUE, 5))); // prints b'Hello'
    // update content using slice notation; the new content must have the same size
    map.setSlice(6, Long.MAX_VALUE, " world!\n".getBytes(StandardCharsets.US_ASCII));
    // ... and read again using standard file methods
    map.seek(0);
    System.out.println(Bytes.repr(map.readLine())); // prints b'Hello  world!\n'
    map.flush();
    map.close();
  }

  static void contextManager() throws IOException {
    try (Mmap map = Mmap.anonymous(13)) {
      map.write("Hello world!".getBytes(StandardCharsets.US_ASCII));
    }
  }

  static void parentAndChild() throws IOException, InterruptedException {
    try (Mmap map = Mmap.anonymous(13)) {
      map.write("Hello world!".getBytes(StandardCharsets.US_ASCII));
      Path shared = map.attachPath().orElseThrow();
      List<String> command = new ArrayList<>();
      command.add(ProcessHandle.current().info().command().orElse("java"));
      command.add("--enable-native-access=ALL-UNNAMED");
      command.add("-cp");
      command.add(System.getProperty("java.class.path"));
      command.add(SeedExamples.class.getName());
      command.add("child");
      command.add(shared.toString());
      Process child = new ProcessBuilder(command).inheritIO().start();
      int status = child.waitFor();
      if (status != 0) {
        throw new IOException("the child process failed with status " + status);
      }
    }
  }

  static void child(Path shared) throws IOException {
    try (Mmap map = Mmap.map(shared, 0, Access.DEFAULT)) {
      map.seek(0);
      System.out.println(Bytes.repr(map.readLine()));
    }
  }
}
