package io.sylvan.operator;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Packages by responsibility with dependencies pointing one way: read from the sources' import
 * lines (and fully qualified names in code), the package graph of {@code src/main} has no cycle,
 * and {@code docs/architecture.md} names every package.
 */
class PackageDependenciesTest {

  private static final Path SOURCES = Path.of("src/main/java/io/sylvan/operator");
  private static final Pattern REFERENCE =
      Pattern.compile("\\bio\\.sylvan\\.operator\\.([a-z][a-z0-9]*)\\.[A-Za-z]");
  private static final String ROOT = "(root)";

  @Test
  void thePackagesOfTheOperatorFormNoDependencyCycle() throws IOException {
    Map<String, Map<String, Set<String>>> graph = graph();

    List<String> cycle = findCycle(graph);

    assertThat(cycle)
        .as("a package cycle (each edge with the files that make it): %s", describe(cycle, graph))
        .isEmpty();
  }

  @Test
  void nothingDependsOnTheRootPackageWhereTheApplicationIsAssembled() throws IOException {
    Map<String, Map<String, Set<String>>> graph = graph();

    graph.forEach(
        (from, edges) ->
            assertThat(edges).as("%s depends on the root package", from).doesNotContainKey(ROOT));
  }

  @Test
  void theArchitecturePageNamesEveryPackage() throws IOException {
    String page = Files.readString(Path.of("docs/architecture.md"));

    for (String pkg : graph().keySet()) {
      if (!pkg.equals(ROOT)) {
        assertThat(page).as("docs/architecture.md names package %s", pkg).contains("-- " + pkg);
      }
    }
  }

  /** package -> package it uses -> files that use it. */
  static Map<String, Map<String, Set<String>>> graph() throws IOException {
    Map<String, Map<String, Set<String>>> graph = new TreeMap<>();
    try (Stream<Path> files = Files.walk(SOURCES)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
        Path dir = SOURCES.relativize(file.getParent());
        String pkg = dir.toString().isEmpty() ? ROOT : dir.toString().replace('/', '.');
        Map<String, Set<String>> edges = graph.computeIfAbsent(pkg, p -> new TreeMap<>());
        Matcher m = REFERENCE.matcher(Files.readString(file));
        while (m.find()) {
          String used = m.group(1);
          if (!used.equals(pkg)) {
            edges.computeIfAbsent(used, u -> new TreeSet<>()).add(file.getFileName().toString());
          }
        }
      }
    }
    // A reference to a class of the root package reads as io.sylvan.operator.ClassName: the
    // pattern above only sees sub-packages, so name the root's classes explicitly.
    try (Stream<Path> files = Files.list(SOURCES)) {
      List<String> rootClasses =
          files
              .filter(f -> f.toString().endsWith(".java"))
              .map(f -> f.getFileName().toString().replace(".java", ""))
              .toList();
      for (var entry : graph.entrySet()) {
        if (entry.getKey().equals(ROOT)) {
          continue;
        }
        for (String cls : rootClasses) {
          try (Stream<Path> pkgFiles =
              Files.list(SOURCES.resolve(entry.getKey().replace('.', '/')))) {
            for (Path f : pkgFiles.filter(p -> p.toString().endsWith(".java")).toList()) {
              if (Files.readString(f).contains("io.sylvan.operator." + cls)) {
                entry
                    .getValue()
                    .computeIfAbsent(ROOT, r -> new TreeSet<>())
                    .add(f.getFileName().toString());
              }
            }
          }
        }
      }
    }
    return graph;
  }

  /** The first cycle a depth-first walk finds, as a closed path; empty when there is none. */
  static List<String> findCycle(Map<String, Map<String, Set<String>>> graph) {
    Set<String> done = new TreeSet<>();
    for (String start : graph.keySet()) {
      Deque<String> path = new ArrayDeque<>();
      List<String> cycle = walk(start, graph, path, done);
      if (!cycle.isEmpty()) {
        return cycle;
      }
    }
    return List.of();
  }

  private static List<String> walk(
      String node,
      Map<String, Map<String, Set<String>>> graph,
      Deque<String> path,
      Set<String> done) {
    if (path.contains(node)) {
      List<String> cycle = new ArrayList<>();
      boolean in = false;
      for (var it = path.descendingIterator(); it.hasNext(); ) {
        String p = it.next();
        in |= p.equals(node);
        if (in) {
          cycle.add(p);
        }
      }
      cycle.add(node);
      return cycle;
    }
    if (done.contains(node)) {
      return List.of();
    }
    path.push(node);
    for (String next : graph.getOrDefault(node, Map.of()).keySet()) {
      List<String> cycle = walk(next, graph, path, done);
      if (!cycle.isEmpty()) {
        return cycle;
      }
    }
    path.pop();
    done.add(node);
    return List.of();
  }

  private static String describe(List<String> cycle, Map<String, Map<String, Set<String>>> graph) {
    StringBuilder s = new StringBuilder();
    for (int i = 0; i + 1 < cycle.size(); i++) {
      String from = cycle.get(i);
      String to = cycle.get(i + 1);
      s.append(from)
          .append(" -> ")
          .append(to)
          .append(" ")
          .append(graph.get(from).get(to))
          .append("; ");
    }
    return s.toString();
  }
}
