package org.jmmap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * What a release needs besides code: the licence, the metadata Maven Central asks for, and a
 * changelog and README that name the version being built.
 */
class ReleaseTest {
  private static Path root() {
    Path up = Path.of(".."); // surefire runs in the module's directory
    return Files.exists(up.resolve("pom.xml")) && Files.exists(up.resolve("jmmap"))
        ? up
        : Path.of(".");
  }

  private static String read(String name) throws IOException {
    return Files.readString(root().resolve(name));
  }

  /** {@return the parent POM's own version, the first {@code <version>} after its artifactId} */
  private static String version() throws IOException {
    Matcher m =
        Pattern.compile("<artifactId>jmmap-parent</artifactId>\\s*<version>([^<]+)</version>")
            .matcher(read("pom.xml"));
    assertTrue(m.find(), "the parent POM declares its version");
    return m.group(1);
  }

  @Test
  void theParentPomHasEveryElementMavenCentralRequires() throws IOException {
    String pom = read("pom.xml");
    for (String element :
        List.of(
            "name",
            "description",
            "url",
            "licenses",
            "developers",
            "scm",
            "connection",
            "developerConnection")) {
      assertTrue(
          Pattern.compile("<" + element + "[\\s>]").matcher(pom).find(),
          "pom.xml has <" + element + ">");
    }
    assertTrue(pom.contains("Apache License, Version 2.0"), "pom.xml names the licence");
    String library = Files.readString(root().resolve("jmmap").resolve("pom.xml"));
    assertTrue(library.contains("<name>") && library.contains("<description>"));
  }

  @Test
  void theExamplesAndBenchmarksAreNeitherInstalledNorDeployed() throws IOException {
    for (String module : List.of("examples", "benchmarks")) {
      String pom = read(module + "/pom.xml");
      assertTrue(pom.contains("<maven.install.skip>true</maven.install.skip>"), module);
      assertTrue(pom.contains("<maven.deploy.skip>true</maven.deploy.skip>"), module);
    }
  }

  @Test
  void theLicenceIsTheApacheLicenceInFull() throws IOException {
    String licence = read("LICENSE");
    assertTrue(licence.contains("Apache License"), "LICENSE is the Apache License");
    assertTrue(licence.contains("Version 2.0, January 2004"));
    assertTrue(licence.contains("END OF TERMS AND CONDITIONS"), "LICENSE is the whole text");
  }

  @Test
  void theChangelogAndTheReadmeNameTheVersionThePomBuilds() throws IOException {
    String version = version();
    String changelog = read("CHANGELOG.md");
    if (version.endsWith("-SNAPSHOT")) {
      assertTrue(changelog.contains("## Unreleased"), "a snapshot has an Unreleased section");
    } else {
      assertTrue(
          Pattern.compile("(?m)^## " + Pattern.quote(version) + " \\(\\d{4}-\\d{2}-\\d{2}\\)$")
              .matcher(changelog)
              .find(),
          "CHANGELOG.md has a dated entry for " + version);
    }
    String readme = read("README.md");
    assertTrue(
        readme.contains("<version>" + version + "</version>"),
        "the README's Maven snippet depends on " + version);
    assertTrue(
        readme.contains("org.jmmap:jmmap:" + version),
        "the README's Gradle snippet depends on " + version);
    Matcher other = Pattern.compile("org\\.jmmap:jmmap:([0-9][^\"\\s)`]*)").matcher(readme);
    while (other.find()) {
      assertEquals(
          version,
          other.group(1),
          "the README names version " + other.group(1) + " while the POM builds " + version);
    }
  }
}
