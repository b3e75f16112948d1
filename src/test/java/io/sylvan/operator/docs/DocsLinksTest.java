package io.sylvan.operator.docs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Relative links in docs/*.md and README.md lead to existing files and headings. */
class DocsLinksTest {

  static final Pattern LINK =
      Pattern.compile("(?<!!)\\[[^\\]]*\\]\\(([^)\\s]+)(?:\\s+\"[^\"]*\")?\\)");
  static final Pattern HEADING = Pattern.compile("^(#{1,6})\\s+(.+?)\\s*#*\\s*$");

  static List<Path> markdownFiles() throws IOException {
    List<Path> files = new ArrayList<>();
    try (Stream<Path> s = Files.list(Path.of("docs"))) {
      s.filter(p -> p.toString().endsWith(".md")).sorted().forEach(files::add);
    }
    if (Files.exists(Path.of("README.md"))) {
      files.add(Path.of("README.md"));
    }
    return files;
  }

  /** The text outside fenced code blocks and inline code. */
  static List<String> proseLines(Path file) throws IOException {
    List<String> lines = new ArrayList<>();
    boolean fenced = false;
    for (String line : Files.readAllLines(file)) {
      if (line.strip().startsWith("```")) {
        fenced = !fenced;
        lines.add("");
        continue;
      }
      lines.add(fenced ? "" : line.replaceAll("`[^`]*`", "``"));
    }
    return lines;
  }

  /** GitHub's heading anchors: lower case, punctuation dropped, spaces to '-', duplicates -1. */
  static Set<String> anchors(Path file) throws IOException {
    Set<String> anchors = new LinkedHashSet<>();
    Map<String, Integer> seen = new HashMap<>();
    boolean fenced = false;
    for (String line : Files.readAllLines(file)) {
      if (line.strip().startsWith("```")) {
        fenced = !fenced;
        continue;
      }
      Matcher m = HEADING.matcher(line);
      if (fenced || !m.matches()) {
        continue;
      }
      String slug =
          m.group(2)
              .toLowerCase(Locale.ROOT)
              .replaceAll("[^\\p{L}\\p{N} _-]", "")
              .replace(' ', '-');
      int n = seen.merge(slug, 1, Integer::sum);
      anchors.add(n == 1 ? slug : slug + "-" + (n - 1));
    }
    return anchors;
  }

  @Test
  void relativeLinksResolve() throws IOException {
    List<String> broken = new ArrayList<>();
    int checked = 0;
    for (Path file : markdownFiles()) {
      List<String> lines = proseLines(file);
      for (int i = 0; i < lines.size(); i++) {
        Matcher m = LINK.matcher(lines.get(i));
        while (m.find()) {
          String target = m.group(1);
          if (target.matches("^[a-zA-Z][a-zA-Z0-9+.-]*:.*")) {
            continue; // http:, https:, mailto:, file:
          }
          checked++;
          int hash = target.indexOf('#');
          String pathPart = hash >= 0 ? target.substring(0, hash) : target;
          String anchor = hash >= 0 ? target.substring(hash + 1) : null;
          Path resolved =
              pathPart.isEmpty()
                  ? file
                  : file.toAbsolutePath().getParent().resolve(pathPart).normalize();
          String where = file + ":" + (i + 1) + ": " + target;
          if (!Files.exists(resolved)) {
            broken.add(where + " (no such file)");
          } else if (anchor != null) {
            if (!resolved.toString().endsWith(".md")) {
              continue; // anchors into source files are line references, not headings
            }
            if (!anchors(resolved).contains(anchor)) {
              broken.add(where + " (no heading for #" + anchor + ")");
            }
          }
        }
      }
    }
    assertThat(broken).as("broken links").isEmpty();
    assertThat(checked).as("relative links checked").isGreaterThan(20);
  }

  @Test
  void theIndexLinksEveryTopic() throws IOException {
    String index = Files.readString(Path.of("docs/README.md"));
    for (Path file : markdownFiles()) {
      String name = file.getFileName().toString();
      if (file.startsWith("docs") && !name.equals("README.md")) {
        assertThat(index).as("docs/README.md links " + name).contains("(" + name);
      }
    }
  }

  @Test
  void anchorsFollowGithubRules() throws IOException {
    Path tmp = Files.createTempFile("anchors", ".md");
    try {
      Files.writeString(
          tmp,
          "# Nginx in front\n## PM2 startup hook\n## What `x` does: (a/b)\n# Nginx in front\n");
      assertThat(anchors(tmp))
          .containsExactly(
              "nginx-in-front", "pm2-startup-hook", "what-x-does-ab", "nginx-in-front-1");
    } finally {
      Files.delete(tmp);
    }
  }
}
