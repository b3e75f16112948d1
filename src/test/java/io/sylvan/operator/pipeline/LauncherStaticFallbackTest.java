package io.sylvan.operator.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sylvan.operator.runtime.FileTrees;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The launcher's answer to {@code /_next/static/*} requests the serving release cannot answer: from
 * the other built releases on disk, newest first. A real {@code node} runs the bundled launcher in
 * Next mode over a real release layout ({@code <root>/releases/<ts>_<sha12>}, {@code current}
 * link). Next itself is a stand-in here (a {@code next} module in the serving release that serves
 * its own {@code .next/static} with a {@code next:} prefix and 404s the rest), so the test can tell
 * who answered; the real Next 16 app is in NextOldAssetsTest.
 */
class LauncherStaticFallbackTest {

  static final String FAKE_NEXT =
      """
      'use strict';
      const fs = require('fs');
      const path = require('path');
      module.exports = function next(opts) {
        // Like Next: its own dist dir, and a path assetPrefix stripped.
        const read = (f) => { try { return fs.readFileSync(path.join(opts.dir, f), 'utf8'); } catch (_) { return null; } };
        const dist = (read('.sylvan-dist-dir') || '.next').trim();
        const server = JSON.parse(read(path.join(dist, 'required-server-files.json')) || '{}');
        const prefix = ((server.config || {}).assetPrefix || '').replace(/\\/+$/, '');
        return {
          prepare: async () => {},
          getRequestHandler: () => (req, res) => {
            let rel;
            if (prefix.startsWith('/') && req.url.startsWith(prefix + '/')) req.url = req.url.slice(prefix.length);
            try {
              rel = decodeURIComponent(req.url.split('?')[0]).replace(/^\\/_next\\/static\\//, '');
            } catch (_) {
              res.statusCode = 400;
              return res.end('Bad Request');
            }
            const file = path.join(opts.dir, dist, 'static', rel);
            if (req.url.startsWith('/_next/static/') && !rel.includes('..') && fs.existsSync(file)) {
              res.end('next:' + fs.readFileSync(file, 'utf8'));
            } else {
              res.statusCode = 404;
              res.end('This page could not be found');
            }
          },
        };
      };
      """;

  static final String OLDEST = "20260101000000_aaaaaaaaaaaa";
  static final String SERVING = "20260102000000_bbbbbbbbbbbb";
  static final String NEWEST = "20260103000000_cccccccccccc";

  Path root;
  Process launcher;
  int port;
  final List<String> output = new ArrayList<>();

  @BeforeEach
  void releases() throws IOException {
    root = Files.createTempDirectory("sylvan-assets-");
    for (String r : List.of(OLDEST, SERVING, NEWEST)) {
      Path dir = root.resolve("releases").resolve(r);
      Files.createDirectories(dir.resolve(".next/static/chunks"));
      Files.writeString(dir.resolve(Releases.BUILT_MARKER), r + "\n");
      Files.writeString(dir.resolve(Releases.REVISION_FILE), r + "\n");
    }
    Path serving = root.resolve("releases").resolve(SERVING);
    Files.createDirectories(serving.resolve("node_modules/next"));
    Files.writeString(
        serving.resolve("node_modules/next/package.json"),
        "{\"name\":\"next\",\"version\":\"16.0.0\",\"main\":\"index.js\"}");
    Files.writeString(serving.resolve("node_modules/next/index.js"), FAKE_NEXT);
    Files.createSymbolicLink(root.resolve("current"), Path.of("releases", SERVING));
    try (InputStream in =
        getClass().getClassLoader().getResourceAsStream(ToolboxProducer.LAUNCHER_RESOURCE)) {
      Files.copy(in, root.resolve("sylvan-launcher.js"));
    }
  }

  @AfterEach
  void stop() throws IOException {
    if (launcher != null) {
      launcher.destroyForcibly();
    }
    FileTrees.delete(root);
  }

  void asset(String release, String name, String content) throws IOException {
    asset(release, ".next", name, content);
  }

  void asset(String release, String distDir, String name, String content) throws IOException {
    Path f =
        root.resolve("releases").resolve(release).resolve(distDir).resolve("static").resolve(name);
    Files.createDirectories(f.getParent());
    Files.writeString(f, content);
  }

  void start() throws IOException {
    port = TestSpecs.freePort();
    ProcessBuilder pb =
        new ProcessBuilder("node", root.resolve("sylvan-launcher.js").toString())
            .directory(root.resolve("current").toFile())
            .redirectErrorStream(true);
    pb.environment().put("PORT", Integer.toString(port));
    pb.environment().put("HOSTNAME", "127.0.0.1");
    pb.environment().put("SYLVAN_RELEASE_DIR", root.resolve("current").toString());
    pb.environment().put("SYLVAN_SCRIPT", "");
    pb.environment().put("SYLVAN_WARMUP_PATHS", "");
    pb.environment().put("SYLVAN_BOOT_NICE", "0");
    pb.environment().put("SYLVAN_COMMIT", "b".repeat(40));
    launcher = pb.start();
    Thread reader =
        new Thread(
            () -> {
              try (var r =
                  new java.io.BufferedReader(
                      new InputStreamReader(launcher.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                  synchronized (output) {
                    output.add(line);
                  }
                }
              } catch (IOException e) {
                // process ended
              }
            });
    reader.setDaemon(true);
    reader.start();
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () -> {
              synchronized (output) {
                return output.stream().anyMatch(l -> l.contains("; ready"));
              }
            });
  }

  /** One raw HTTP/1.1 exchange: the request target is sent as given, never normalised. */
  String get(String method, String target) throws IOException {
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.setSoTimeout(10_000);
      s.getOutputStream()
          .write(
              (method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                  .getBytes(StandardCharsets.US_ASCII));
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      s.getInputStream().transferTo(out);
      return out.toString(StandardCharsets.UTF_8);
    }
  }

  String get(String target) throws IOException {
    return get("GET", target);
  }

  static String body(String response) {
    return response.substring(response.indexOf("\r\n\r\n") + 4);
  }

  @Test
  void answersAnAssetTheServingReleaseLacksFromTheNewestKeptReleaseWithImmutableHeaders()
      throws Exception {
    asset(OLDEST, "chunks/both.js", "oldest");
    asset(NEWEST, "chunks/both.js", "newest");
    asset(OLDEST, "chunks/old-only.js", "from the oldest");
    asset(OLDEST, "css/app.css", "body{}");
    start();

    String both = get("/_next/static/chunks/both.js?dpl=abc");
    assertThat(both).startsWith("HTTP/1.1 200");
    assertThat(body(both)).isEqualTo("newest");
    assertThat(both)
        .containsIgnoringCase("Cache-Control: public, max-age=31536000, immutable")
        .containsIgnoringCase("Content-Type: application/javascript; charset=UTF-8")
        .containsIgnoringCase("Content-Length: 6");
    assertThat(body(get("/_next/static/chunks/old-only.js"))).isEqualTo("from the oldest");
    assertThat(get("/_next/static/css/app.css"))
        .containsIgnoringCase("Content-Type: text/css; charset=UTF-8");
    String head = get("HEAD", "/_next/static/chunks/old-only.js");
    assertThat(head).startsWith("HTTP/1.1 200").containsIgnoringCase("Content-Length: 15");
    assertThat(body(head)).isEmpty();
  }

  @Test
  void leavesWhatTheServingReleaseHasToNext() throws Exception {
    asset(SERVING, "chunks/page.js", "serving");
    asset(NEWEST, "chunks/page.js", "newest");
    start();
    assertThat(body(get("/_next/static/chunks/page.js"))).isEqualTo("next:serving");
  }

  @Test
  void answersAnOldWorkerFromAReleaseBuiltAfterItStarted() throws Exception {
    start();
    assertThat(get("/_next/static/chunks/new.js")).startsWith("HTTP/1.1 404");
    // The reload window: a newer release is built while this worker serves; its page reaches
    // users through the new workers, its chunks may reach this one.
    String newer = "20260104000000_dddddddddddd";
    asset(newer, "chunks/new.js", "built later");
    Thread.sleep(1100); // a miss re-reads the list of releases at most once a second
    Files.writeString(root.resolve("releases").resolve(newer).resolve(Releases.BUILT_MARKER), "x");
    assertThat(body(get("/_next/static/chunks/new.js"))).isEqualTo("built later");
  }

  @Test
  void answers404WhenNoBuiltReleaseHasTheAsset() throws Exception {
    // still building: no marker yet, so its files may be half written
    String building = "20260105000000_eeeeeeeeeeee";
    asset(building, "chunks/partial.js", "half");
    asset(OLDEST, "chunks/gone.js", "gone");
    start();
    assertThat(get("/_next/static/chunks/partial.js")).startsWith("HTTP/1.1 404");
    assertThat(get("/_next/static/chunks/missing.js")).startsWith("HTTP/1.1 404");
    assertThat(body(get("/_next/static/chunks/gone.js"))).isEqualTo("gone");
    // Retention removes the release: its assets go with it, at once.
    FileTrees.delete(root.resolve("releases").resolve(OLDEST));
    assertThat(get("/_next/static/chunks/gone.js")).startsWith("HTTP/1.1 404");
  }

  @Test
  void neverServesAFileOutsideAReleasesStaticDirectory() throws Exception {
    Files.writeString(root.resolve("secret.txt"), "SECRET-ROOT");
    Files.writeString(root.resolve("releases").resolve(OLDEST).resolve(".env.local"), "SECRET-ENV");
    Files.writeString(root.resolve("releases").resolve(OLDEST).resolve(".next/BUILD_ID"), "ID");
    Path chunks = root.resolve("releases").resolve(OLDEST).resolve(".next/static/chunks");
    Files.createSymbolicLink(chunks.resolve("link.js"), root.resolve("secret.txt"));
    Files.createSymbolicLink(chunks.resolve("dir"), root.resolve("releases").resolve(OLDEST));
    start();
    for (String target :
        List.of(
            "/_next/static/../../../secret.txt",
            "/_next/static/chunks/../../../.env.local",
            "/_next/static/..%2f..%2f.env.local",
            "/_next/static/%2e%2e/%2e%2e/.env.local",
            "/_next/static/..%5c..%5c.env.local",
            "/_next/static/chunks/%2e%2e/BUILD_ID",
            "/_next/static/chunks/link.js",
            "/_next/static/chunks/dir/.env.local",
            "/_next/static/chunks/x.js%00.txt",
            "/_next/static/%E0%A4%A")) {
      String r = get(target);
      assertThat(r).as(target).doesNotContain("SECRET").doesNotContain("\r\n\r\nID");
      assertThat(r).as(target).matches("(?s)HTTP/1.1 (400|404).*");
    }
  }

  @Test
  void looksInTheDistDirEachReleaseWasBuiltInto() throws Exception {
    // The operator records a next.config distDir other than .next at build time.
    distDir(OLDEST, "build/out");
    distDir(SERVING, "dist");
    asset(OLDEST, "build/out", "chunks/old.js", "oldest, custom dist dir");
    asset(OLDEST, ".next", "chunks/stale.js", "not the build's output");
    asset(SERVING, "dist", "chunks/page.js", "serving");
    asset(NEWEST, "chunks/page.js", "newest");
    asset(NEWEST, "chunks/new.js", "newest, default dist dir");
    // A recorded dist dir that leaves the release is ignored (.next is used).
    distDir(NEWEST, "../..");
    asset(NEWEST, "../..", "chunks/escape.js", "SECRET");
    start();

    assertThat(body(get("/_next/static/chunks/old.js"))).isEqualTo("oldest, custom dist dir");
    assertThat(body(get("/_next/static/chunks/new.js"))).isEqualTo("newest, default dist dir");
    // The serving release has it in its own dist dir: Next answers, not the newest release.
    assertThat(body(get("/_next/static/chunks/page.js"))).isEqualTo("next:serving");
    assertThat(get("/_next/static/chunks/stale.js")).startsWith("HTTP/1.1 404");
    assertThat(get("/_next/static/chunks/escape.js"))
        .startsWith("HTTP/1.1 404")
        .doesNotContain("SECRET");
  }

  @Test
  void answersUnderAPathAssetPrefixButNotUnderAnotherHost() throws Exception {
    asset(OLDEST, "chunks/old.js", "from the oldest");
    asset(SERVING, "chunks/page.js", "serving");
    assetPrefix(SERVING, "/static-assets/");
    start();

    // The serving release's pages ask for <assetPrefix>/_next/static/...; Next strips a path
    // prefix itself, so the fallback answers there too.
    String old = get("/static-assets/_next/static/chunks/old.js?dpl=x");
    assertThat(old).startsWith("HTTP/1.1 200").containsIgnoringCase("immutable");
    assertThat(body(old)).isEqualTo("from the oldest");
    assertThat(body(get("/static-assets/_next/static/chunks/page.js"))).isEqualTo("next:serving");
    assertThat(body(get("/_next/static/chunks/old.js"))).isEqualTo("from the oldest");
    assertThat(get("/elsewhere/_next/static/chunks/old.js")).startsWith("HTTP/1.1 404");

    // An assetPrefix on another host sends browsers there: no prefix of the launcher's.
    launcher.destroyForcibly().waitFor();
    output.clear();
    assetPrefix(SERVING, "https://cdn.example.com/app");
    start();
    assertThat(get("/app/_next/static/chunks/old.js")).startsWith("HTTP/1.1 404");
    assertThat(body(get("/_next/static/chunks/old.js"))).isEqualTo("from the oldest");
  }

  void distDir(String release, String dir) throws IOException {
    Files.writeString(
        root.resolve("releases").resolve(release).resolve(NextBuildIdentity.DIST_DIR_FILE),
        dir + "\n");
  }

  /** What Next 12-16 write into {@code <distDir>/required-server-files.json}, reduced. */
  void assetPrefix(String release, String prefix) throws IOException {
    Path f = root.resolve("releases").resolve(release).resolve(".next/required-server-files.json");
    Files.writeString(
        f, "{\"version\":1,\"config\":{\"assetPrefix\":\"" + prefix + "\",\"basePath\":\"\"}}");
  }
}
