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
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.BiConsumer;

/** Runs traces on CPython's mmap through {@code run_trace.py}, on the {@link Cpython} oracle. */
final class PythonRunner {
  /**
   * The oracle ended before it answered a trace: killed by a signal (a crash in CPython's mmap) or
   * exited.
   */
  static final class OracleDied extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    /** The trace it was running. */
    final transient List<Op> trace;

    /** How it ended, e.g. "CPython 3.11.2 died of SIGSEGV". */
    final String death;

    OracleDied(String death, List<Op> trace, Throwable cause) {
      super(death + " running a trace of " + trace.size() + " ops", cause);
      this.death = death;
      this.trace = trace;
    }
  }

  private final Path script;
  private final Cpython python;

  PythonRunner(Path dir) throws IOException {
    this(dir, Cpython.oracle());
  }

  PythonRunner(Path dir, Cpython python) throws IOException {
    this.python = python;
    script = dir.resolve("run_trace.py");
    try (InputStream in = PythonRunner.class.getResourceAsStream("run_trace.py")) {
      Files.copy(in, script, StandardCopyOption.REPLACE_EXISTING);
    }
  }

  /** {@return the CPython it runs} */
  Cpython python() {
    return python;
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
          new ProcessBuilder(python.command(script.toString()))
              .redirectError(ProcessBuilder.Redirect.INHERIT)
              .start();
    } catch (IOException e) {
      throw new UncheckedIOException(python + " is needed to run the conformance traces", e);
    }
    BlockingQueue<List<Op>> sent = new LinkedBlockingQueue<>();
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
                    // the pipe broke: Python has ended, and the reader reports how
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
            throw new OracleDied(python.death(p.waitFor()), t, null);
          }
          lines.add(line);
        }
        sink.accept(t, lines);
      }
      writer.join();
      if (p.waitFor() != 0) {
        throw new IllegalStateException(
            python.death(p.exitValue()) + " after it answered every trace of " + script);
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

  /**
   * {@return whether the oracle still dies on {@code trace}}: a fresh Python process runs it alone.
   */
  boolean dies(List<Op> trace) {
    try {
      run(trace);
      return false;
    } catch (OracleDied e) {
      return true;
    }
  }
}
