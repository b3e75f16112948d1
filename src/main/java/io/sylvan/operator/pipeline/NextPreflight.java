package io.sylvan.operator.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What a built Next.js release needs before it meets traffic and that {@code next build} does not
 * check: a stable Server Actions key when more than one process serves, the static files and {@code
 * public/} copied next to a standalone server, and {@code sharp} for {@code next/image} in
 * standalone mode. It reads files only (the build output, the env file's values, the sources); what
 * it cannot decide is a warning, never a failure.
 */
final class NextPreflight {

  static final String ACTIONS_KEY = "NEXT_SERVER_ACTIONS_ENCRYPTION_KEY";
  static final String ACTIONS_MANIFEST = ".next/server/server-reference-manifest.json";
  static final String STANDALONE = ".next/standalone";

  /** The source scan stops here: a release is not a place for more hand-written modules. */
  static final int MAX_SOURCES = 5000;

  static final long MAX_SOURCE_BYTES = 1 << 20;

  private static final Set<String> SOURCE_EXT =
      Set.of(".js", ".jsx", ".ts", ".tsx", ".mjs", ".cjs");
  private static final Set<String> SKIP_DIRS = Set.of("node_modules", ".next", ".git", "out");
  private static final ObjectMapper JSON = new ObjectMapper();

  private NextPreflight() {}

  /** The three checks; each failing fixture names one. */
  enum Check {
    SERVER_ACTIONS_KEY,
    STANDALONE_ASSETS,
    SHARP
  }

  /** One result: {@code fatal} ones halt the deployment, the others are logged as warnings. */
  record Finding(Check check, boolean fatal, String message) {}

  /** What the checks read about the deployment besides the release's files. */
  record Inputs(
      Map<String, String> envValues,
      String envFile,
      int instances,
      String script,
      NextBuildIdentity.NextConfig config) {}

  static List<Finding> check(Path release, Inputs in) {
    Sources sources = Sources.scan(release);
    List<Finding> out = new ArrayList<>();
    serverActions(release, in, sources, out);
    Path standalone = release.resolve(STANDALONE);
    if (Files.isDirectory(standalone)) {
      standalone(release, standalone, in, sources, out);
    } else if (in.config().standalone()) {
      out.add(
          new Finding(
              Check.STANDALONE_ASSETS,
              false,
              "next.config sets output: 'standalone' but the build wrote no "
                  + STANDALONE
                  + "; nothing to check"));
    }
    return out;
  }

  private static void serverActions(Path release, Inputs in, Sources sources, List<Finding> out) {
    Path manifest = release.resolve(ACTIONS_MANIFEST);
    int actions;
    if (Files.isRegularFile(manifest)) {
      try {
        JsonNode n = JSON.readTree(manifest.toFile());
        actions = n.path("node").size() + n.path("edge").size();
      } catch (IOException e) {
        out.add(
            new Finding(
                Check.SERVER_ACTIONS_KEY,
                false,
                "cannot read "
                    + ACTIONS_MANIFEST
                    + " ("
                    + e.getMessage()
                    + "); "
                    + ACTIONS_KEY
                    + " not checked"));
        return;
      }
    } else if (sources.useServer) {
      out.add(
          new Finding(
              Check.SERVER_ACTIONS_KEY,
              false,
              "the sources say \"use server\" but the build wrote no "
                  + ACTIONS_MANIFEST
                  + " (a Next version before 14?); if the app uses Server Actions, set "
                  + ACTIONS_KEY
                  + " in "
                  + in.envFile()));
      return;
    } else {
      return;
    }
    if (actions == 0) {
      return;
    }
    String key = in.envValues().get(ACTIONS_KEY);
    if (key == null || key.isBlank()) {
      String why =
          "the app uses Server Actions ("
              + actions
              + " in "
              + ACTIONS_MANIFEST
              + ") but "
              + ACTIONS_KEY
              + " is not set in "
              + in.envFile()
              + ": every build makes a key of its own, so a form rendered by one release and"
              + " posted to a process of another fails with \"Failed to find Server Action\"."
              + " Fix: add "
              + ACTIONS_KEY
              + "=<the output of `openssl rand -base64 32`> to "
              + in.envFile()
              + " once and keep it";
      boolean several = in.instances() > 1;
      out.add(
          new Finding(
              Check.SERVER_ACTIONS_KEY,
              several,
              several
                  ? why + " (" + in.instances() + " instances serve at once)"
                  : why + " (one instance: only the reload window is exposed)"));
      return;
    }
    int bytes;
    try {
      bytes = Base64.getDecoder().decode(key.strip()).length;
    } catch (IllegalArgumentException e) {
      bytes = -1;
    }
    if (bytes != 16 && bytes != 24 && bytes != 32) {
      out.add(
          new Finding(
              Check.SERVER_ACTIONS_KEY,
              true,
              ACTIONS_KEY
                  + " in "
                  + in.envFile()
                  + " is not the base64 of a 16, 24 or 32 byte AES key; Next cannot use it. Fix:"
                  + " replace it with the output of `openssl rand -base64 32`"));
    }
  }

  private static void standalone(
      Path release, Path standalone, Inputs in, Sources sources, List<Finding> out) {
    boolean runsIt =
        in.script() != null
            && release.resolve(in.script()).normalize().startsWith(standalone.normalize());
    Path serverDir;
    if (runsIt) {
      serverDir = release.resolve(in.script()).normalize().getParent();
    } else if (Files.isRegularFile(standalone.resolve("server.js"))) {
      serverDir = standalone;
    } else {
      out.add(
          new Finding(
              Check.STANDALONE_ASSETS,
              false,
              "standalone build without " + STANDALONE + "/server.js; nothing to check"));
      return;
    }
    String where = release.relativize(serverDir).toString();
    String suffix =
        runsIt
            ? ""
            : " (warning only: spec.process.script does not run the standalone server, the"
                + " launcher serves the release directory)";
    List<String> missing = new ArrayList<>();
    if (Files.isDirectory(release.resolve(".next/static"))
        && !Files.isDirectory(serverDir.resolve(".next/static"))) {
      missing.add(".next/static -> " + where + "/.next/static");
    }
    if (Files.isDirectory(release.resolve("public"))
        && !Files.isDirectory(serverDir.resolve("public"))) {
      missing.add("public -> " + where + "/public");
    }
    if (!missing.isEmpty()) {
      out.add(
          new Finding(
              Check.STANDALONE_ASSETS,
              runsIt,
              "output: 'standalone' does not copy the static files next to the server, and this"
                  + " build lacks "
                  + String.join(" and ", missing)
                  + ": every /_next/static and public file would answer 404. Fix: copy them"
                  + " after the build, e.g. \"build\": \"next build && cp -r public "
                  + where
                  + "/ && cp -r .next/static "
                  + where
                  + "/.next/\" in package.json"
                  + suffix));
    }
    boolean optimizes =
        !in.config().imagesUnoptimized()
            && (in.config().imagesLoader() == null || "default".equals(in.config().imagesLoader()));
    if (sources.nextImage && optimizes && !sharpResolvable(release, serverDir)) {
      out.add(
          new Finding(
              Check.SHARP,
              runsIt,
              "the app uses next/image and Next optimizes its images, but sharp cannot be found"
                  + " from "
                  + where
                  + ": the standalone server needs it (\"'sharp' is required to be installed in"
                  + " standalone mode\"), every optimized image would fail. Fix: npm install sharp"
                  + " (a dependency in package.json, so the trace copies it), or set"
                  + " images.unoptimized: true"
                  + suffix));
    }
  }

  /** Node's lookup from the server's directory up to the release: where it would find sharp. */
  private static boolean sharpResolvable(Path release, Path serverDir) {
    for (Path d = serverDir; d != null && d.startsWith(release); d = d.getParent()) {
      if (Files.isRegularFile(d.resolve("node_modules/sharp/package.json"))) {
        return true;
      }
    }
    return false;
  }

  /** What the app's own modules say (node_modules and build output left out). */
  private static final class Sources {
    boolean useServer;
    boolean nextImage;
    int files;

    static Sources scan(Path release) {
      Sources s = new Sources();
      try {
        Files.walkFileTree(
            release,
            new SimpleFileVisitor<>() {
              @Override
              public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes a) {
                String name = dir.getFileName().toString();
                return !dir.equals(release) && (SKIP_DIRS.contains(name) || name.startsWith("."))
                    ? FileVisitResult.SKIP_SUBTREE
                    : FileVisitResult.CONTINUE;
              }

              @Override
              public FileVisitResult visitFile(Path file, BasicFileAttributes a) {
                String name = file.getFileName().toString();
                int dot = name.lastIndexOf('.');
                if (a.isRegularFile()
                    && a.size() <= MAX_SOURCE_BYTES
                    && dot > 0
                    && SOURCE_EXT.contains(name.substring(dot))
                    && !name.startsWith("next.config")) {
                  String text;
                  try {
                    text = Files.readString(file, StandardCharsets.UTF_8);
                  } catch (IOException e) {
                    return FileVisitResult.CONTINUE; // not UTF-8 text: not a module of the app
                  }
                  s.useServer |= text.contains("'use server'") || text.contains("\"use server\"");
                  s.nextImage |= text.contains("next/image") || text.contains("next/legacy/image");
                  if (++s.files >= MAX_SOURCES) {
                    return FileVisitResult.TERMINATE;
                  }
                }
                return FileVisitResult.CONTINUE;
              }

              @Override
              public FileVisitResult visitFileFailed(Path file, IOException e) {
                return FileVisitResult.CONTINUE;
              }
            });
      } catch (IOException e) {
        // A source that cannot be read decides nothing; the manifest and the tree still do.
      }
      return s;
    }
  }
}
