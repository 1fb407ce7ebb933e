package org.jmmap;

/** Which backing the tests run on: the Linux layer, or the portable one forced for a run. */
public final class Backings {
  /** What every refusal of the portable backing tells the user to do. */
  public static final String HOW = "--enable-native-access=org.jmmap";

  private Backings() {}

  /** {@return whether this JVM maps through the portable backing} */
  public static boolean portable() {
    return "portable".equals(System.getProperty("jmmap.backing"));
  }
}
