/**
 * jmmap: Python's {@code mmap} module for Java, on the Foreign Function and Memory API.
 *
 * <p>{@link org.jmmap.Mmap} is the one class to know. It maps a file or anonymous memory and
 * behaves both like a mutable byte sequence and like a file, exactly as Python's {@code mmap.mmap}
 * does; {@link org.jmmap.MmapOptions} holds every constructor argument.
 *
 * {@snippet :
 * try (Mmap m = Mmap.map(Path.of("data.bin"), 0, Access.WRITE)) {
 *   long at = m.find("needle".getBytes(StandardCharsets.US_ASCII));
 *   if (at >= 0) {
 *     m.set(at, (byte) 'N');
 *   }
 *   m.flush();
 * }
 * }
 *
 * <h2>Coming from Python's mmap</h2>
 *
 * <table class="striped">
 *   <caption>Python calls and their Java twins</caption>
 *   <thead><tr><th>Python</th><th>Java</th></tr></thead>
 *   <tbody>
 *     <tr><td>{@code mmap.mmap(f.fileno(), 0)}</td><td>{@code Mmap.map(path, 0, Access.DEFAULT)}</td></tr>
 *     <tr><td>{@code mmap.mmap(-1, n)}</td><td>{@code Mmap.anonymous(n)}</td></tr>
 *     <tr><td>{@code mmap.mmap(fd, n, flags=..., prot=..., offset=...)}</td>
 *         <td>{@code Mmap.options().length(n).flags(...).prot(...).offset(...).map(path)}</td></tr>
 *     <tr><td>{@code len(m)}, {@code m[i]}, {@code m[i] = v}</td>
 *         <td>{@code m.length()}, {@code m.get(i)}, {@code m.set(i, v)}</td></tr>
 *     <tr><td>{@code m[a:b:c]}, {@code m[a:b:c] = data}</td>
 *         <td>{@code m.slice(a, b, c)}, {@code m.setSlice(a, b, c, data)}; {@code None} is
 *             {@code Long.MIN_VALUE} or {@code Long.MAX_VALUE}</td></tr>
 *     <tr><td>{@code read}, {@code read_byte}, {@code readline}, {@code write},
 *             {@code write_byte}, {@code seek}, {@code tell}, {@code size}</td>
 *         <td>{@code read}, {@code readByte}, {@code readLine}, {@code write},
 *             {@code writeByte}, {@code seek}, {@code tell}, {@code size}</td></tr>
 *     <tr><td>{@code find}, {@code rfind}, {@code move}, {@code flush}, {@code resize},
 *             {@code madvise}, {@code close}, {@code closed}</td>
 *         <td>the same names; {@code closed} is {@code isClosed()}</td></tr>
 *     <tr><td>{@code with mmap.mmap(...) as m:}</td><td>{@code try (Mmap m = ...) { }}</td></tr>
 *     <tr><td>{@code memoryview(m)}</td><td>{@code m.segment()}</td></tr>
 *   </tbody>
 * </table>
 *
 * <h2>Exceptions</h2>
 *
 * <table class="striped">
 *   <caption>CPython's exceptions and jmmap's</caption>
 *   <thead><tr><th>CPython raises</th><th>jmmap throws</th></tr></thead>
 *   <tbody>
 *     <tr><td>{@code ValueError} for a bad argument</td>
 *         <td>{@link java.lang.IllegalArgumentException}</td></tr>
 *     <tr><td>{@code ValueError} reading past the end</td>
 *         <td>{@link java.nio.BufferUnderflowException}</td></tr>
 *     <tr><td>{@code ValueError} writing past the end</td>
 *         <td>{@link java.nio.BufferOverflowException}</td></tr>
 *     <tr><td>{@code IndexError}</td><td>{@link java.lang.IndexOutOfBoundsException}</td></tr>
 *     <tr><td>{@code TypeError} modifying a read-only map</td>
 *         <td>{@link org.jmmap.ReadOnlyMmapException}, a
 *             {@link java.nio.ReadOnlyBufferException}</td></tr>
 *     <tr><td>{@code TypeError} for other refusals</td>
 *         <td>{@link java.lang.UnsupportedOperationException}</td></tr>
 *     <tr><td>{@code ValueError: mmap closed or invalid}, {@code BufferError}</td>
 *         <td>{@link java.lang.IllegalStateException}</td></tr>
 *     <tr><td>{@code OSError}</td><td>{@link java.io.IOException}, or
 *         {@link java.io.UncheckedIOException} where a method declares none: {@link
 *         java.nio.file.NoSuchFileException}, {@link java.nio.file.FileAlreadyExistsException}
 *         or {@link java.nio.file.AccessDeniedException} where one fits, else {@link
 *         org.jmmap.SystemCallException} with the error number</td></tr>
 *     <tr><td>(the process dies of {@code SIGBUS})</td>
 *         <td>{@link org.jmmap.MmapFaultException}</td></tr>
 *   </tbody>
 * </table>
 *
 * <p>Native access: jmmap calls the C library through {@link java.lang.foreign.Linker}. Run with
 * {@code --enable-native-access=org.jmmap} on the module path, or {@code
 * --enable-native-access=ALL-UNNAMED} on the class path; without it, mapping a path or anonymous
 * memory throws {@link java.lang.UnsupportedOperationException} naming the flag.
 */
package org.jmmap;
