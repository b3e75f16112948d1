package io.sylvan.operator.state;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** Every {@link WireEnum} of the operator, found in its compiled classes (none is left out). */
public final class WireEnums {

  private WireEnums() {}

  @SuppressWarnings("unchecked")
  public static List<Class<? extends Enum<?>>> all() {
    Path classes;
    try {
      classes = Path.of(WireEnum.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
    try (Stream<Path> files = Files.walk(classes)) {
      return files
          .map(classes::relativize)
          .map(Path::toString)
          .filter(f -> f.endsWith(".class") && !f.contains("$"))
          .map(f -> f.substring(0, f.length() - ".class".length()).replace('/', '.'))
          .map(WireEnums::load)
          .filter(c -> c.isEnum() && WireEnum.class.isAssignableFrom(c))
          .<Class<? extends Enum<?>>>map(c -> (Class<? extends Enum<?>>) c)
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Class<?> load(String name) {
    try {
      return Class.forName(name, false, WireEnum.class.getClassLoader());
    } catch (ClassNotFoundException e) {
      throw new IllegalStateException(e);
    }
  }
}
