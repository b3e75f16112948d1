package io.sylvan.operator.packaging;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * target/sylvanctl.jar ships only some of the operator's packages (see the shade filter in
 * pom.xml): every operator class that a class in the jar refers to must be in the jar too, or the
 * CLI fails with NoClassDefFoundError at the first command that reaches it.
 */
class SylvanCtlJarIT {

  private static final Pattern OPERATOR_CLASS =
      Pattern.compile("io/sylvan/operator/[A-Za-z0-9_/$]*[A-Z][A-Za-z0-9_$]*");

  @Test
  void everyOperatorClassTheCliJarRefersToIsInTheJar() throws IOException {
    Path jar = Path.of("target", "sylvanctl.jar");
    assertThat(jar).as("built by the package phase").exists();
    Set<String> inJar = new TreeSet<>();
    TreeMap<String, Set<String>> missing = new TreeMap<>();
    try (JarFile file = new JarFile(jar.toFile())) {
      for (JarEntry e : file.stream().toList()) {
        if (e.getName().startsWith("io/sylvan/operator/") && e.getName().endsWith(".class")) {
          inJar.add(e.getName().replace(".class", ""));
        }
      }
      for (String cls : inJar) {
        // Class files keep the names of the classes they use as UTF-8 constants.
        String constants =
            new String(
                file.getInputStream(file.getJarEntry(cls + ".class")).readAllBytes(),
                StandardCharsets.ISO_8859_1);
        Matcher m = OPERATOR_CLASS.matcher(constants);
        while (m.find()) {
          String used = m.group();
          if (!inJar.contains(used)) {
            missing.computeIfAbsent(used, u -> new TreeSet<>()).add(cls);
          }
        }
      }
    }
    assertThat(missing).as("operator classes used by the CLI jar but not in it").isEmpty();
    assertThat(Files.size(jar)).isPositive();
  }
}
