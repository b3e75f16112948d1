package io.sylvan.operator.api;

import io.sylvan.operator.runtime.Redactor;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Rewrites the operator machine's absolute paths in status texts: a path under the data directory
 * or the spec folder is shown relative to it ({@code <data-dir>/mirrors/...}, {@code
 * deploy-specs/...}); a path under an environment's target root stays as it is (people need it to
 * look at releases and logs); any other existing path is shortened to its last name ({@code
 * .../app-repo}). A URL's path, and a path that does not exist here (an HTTP route such as {@code
 * GET /api/health}), is left alone.
 */
final class StatusPaths {

  private final Map<Path, String> named = new LinkedHashMap<>();
  private final List<Path> kept;

  /**
   * @param named folders shown by a label, e.g. the data directory as {@code <data-dir>}
   * @param kept folders shown as they are (the target roots)
   */
  StatusPaths(Map<Path, String> named, List<Path> kept) {
    named.forEach((p, label) -> forms(p).forEach(f -> this.named.put(f, label)));
    List<Path> k = new ArrayList<>();
    kept.forEach(p -> k.addAll(forms(p)));
    this.kept = List.copyOf(k);
  }

  String text(String s) {
    return Redactor.replacePaths(s, this::path);
  }

  private String path(String token) {
    // Trailing punctuation of a sentence is not part of the path.
    String trail = "";
    while (token.length() > 1 && token.endsWith(".")) {
      trail = token.charAt(token.length() - 1) + trail;
      token = token.substring(0, token.length() - 1);
    }
    Path p;
    try {
      p = Path.of(token).normalize();
    } catch (InvalidPathException e) {
      return token + trail;
    }
    for (Path root : kept) {
      if (p.startsWith(root)) {
        return token + trail;
      }
    }
    for (Map.Entry<Path, String> n : named.entrySet()) {
      if (p.startsWith(n.getKey())) {
        Path rel = n.getKey().relativize(p);
        return n.getValue() + (rel.toString().isEmpty() ? "" : "/" + rel) + trail;
      }
    }
    if (p.getNameCount() > 1 && exists(p)) {
      return ".../" + p.getFileName() + trail;
    }
    return token + trail;
  }

  private static boolean exists(Path p) {
    try {
      return Files.exists(p) || (p.getParent() != null && Files.isDirectory(p.getParent()));
    } catch (SecurityException e) {
      return false;
    }
  }

  /** The absolute form of a folder and, when it differs, its real one (symbolic links resolved). */
  private static List<Path> forms(Path p) {
    List<Path> forms = new ArrayList<>();
    Path abs = p.toAbsolutePath().normalize();
    forms.add(abs);
    try {
      Path real = abs.toRealPath();
      if (!real.equals(abs)) {
        forms.add(real);
      }
    } catch (java.io.IOException | SecurityException ignored) {
      // Not there (yet): its absolute form is all there is to match.
    }
    return forms;
  }
}
