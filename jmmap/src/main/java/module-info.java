/**
 * jmmap: Python's {@code mmap} module as a Java library on the Foreign Function and Memory API.
 *
 * <p>Only {@code org.jmmap} is exported. The OS calls live in an internal package that is the only
 * code calling restricted methods, so run with {@code --enable-native-access=org.jmmap} (module
 * path) or {@code --enable-native-access=ALL-UNNAMED} (class path).
 */
module org.jmmap {
  exports org.jmmap;

  // optional: searches use the Vector API when the application adds this module
  requires static jdk.incubator.vector;
}
