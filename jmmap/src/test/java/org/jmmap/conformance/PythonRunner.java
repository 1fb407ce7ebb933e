package org.jmmap.conformance;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.function.BiConsumer;

/** Runs traces on CPython's mmap through {@code run_trace.py} in one {@code python3} process. */
final class PythonRunner {
  private final Path script;

  PythonRunner(Path dir) throws IOException {
    script = dir.resolve("run_trace.py");
    try (InputStream in = PythonRunner.class.getResourceAsStream("run_trace.py")) {
      Files.copy(in, script, StandardCopyOption.REPLACE_EXISTING);
    }
  }

  /** {@return the result lines of one trace} */
  List<String> run(List<Op> trace) {
    List<List<String>> out = new ArrayList<>();
    runAll(List.of(trace).iterator(), (t, lines) -> out.add(lines));
    return out.getFirst();
  }

  /**
   * Streams traces to one Python process, handing each trace and its result lines to {@code sink}
   * as they come. A writer thread feeds Python while this thread reads, so neither side can block
   * the other.
   */
  void runAll(Iterator<List<Op>> traces, BiConsumer<List<Op>, List<String>> sink) {
    Process p;
    try {
      p =
          new ProcessBuilder("python3", script.toString())
              .redirectError(ProcessBuilder.Redirect.INHERIT)
              .start();
    } catch (IOException e) {
      throw new UncheckedIOException("python3 is needed to run the conformance traces", e);
    }
    java.util.concurrent.BlockingQueue<List<Op>> sent =
        new java.util.concurrent.LinkedBlockingQueue<>();
    Thread writer =
        Thread.ofPlatform()
            .daemon()
            .start(
                () -> {
                  try (BufferedWriter w =
                      new BufferedWriter(
                          new OutputStreamWriter(p.getOutputStream(), StandardCharsets.UTF_8))) {
                    while (traces.hasNext()) {
                      List<Op> t = traces.next();
                      sent.add(t);
                      for (Op op : t) {
                        w.write(op.toString());
                        w.newLine();
                      }
                      w.write("---");
                      w.newLine();
                    }
                  } catch (IOException e) {
                    throw new UncheckedIOException(e);
                  } finally {
                    sent.add(List.of()); // the end
                  }
                });
    try (BufferedReader r =
        new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      while (true) {
        List<Op> t = sent.take();
        if (t.isEmpty()) {
          break;
        }
        List<String> lines = new ArrayList<>(t.size());
        for (String line = r.readLine(); !"---".equals(line); line = r.readLine()) {
          if (line == null) {
            throw new IllegalStateException("python3 stopped early on trace " + t);
          }
          lines.add(line);
        }
        sink.accept(t, lines);
      }
      writer.join();
      if (p.waitFor() != 0) {
        throw new IllegalStateException("run_trace.py failed with status " + p.exitValue());
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    } finally {
      p.destroy();
    }
  }
}
