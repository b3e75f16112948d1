package io.sylvan.operator.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.sylvan.operator.runtime.FileTrees;
import io.sylvan.operator.runtime.Pm2TestResource;
import io.sylvan.operator.spec.DeploySpec;
import io.sylvan.operator.state.EmbeddedPostgresResource;
import io.sylvan.operator.state.Trigger;
import jakarta.inject.Inject;
import java.io.IOException;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A tab opened on commit A keeps loading A's assets after B and C are deployed: real Next apps
 * under a real PM2 with the launcher, the Next 16 app-router fixture ({@code fixtures/next-app})
 * and the Next 12 pages-router app of the benchmarks. B and C change the page, so their builds have
 * other chunks than A's, and Next's build id differs per build (Next 12 puts it in the asset paths
 * of every page); the lockfile is A's, so their node_modules and build cache are reused. One
 * operator, three deployments per app.
 */
@QuarkusTest
@QuarkusTestResource(EmbeddedPostgresResource.class)
@QuarkusTestResource(Pm2TestResource.class)
class NextOldAssetsTest {

  static final Pattern ASSET = Pattern.compile("(?:src|href)=\"(/_next/static/[^\"]+)\"");

  static Path work;

  @Inject DeploymentRunner runner;
  @Inject ToolboxProducer tools;

  @BeforeAll
  static void createWork() throws IOException {
    work = Files.createTempDirectory("sylvan-next-assets-");
  }

  @AfterAll
  static void removeWork() throws IOException {
    FileTrees.delete(work);
  }

  /** One environment of one app: its repository, target root, port and page file. */
  record App(String env, NextAppRepo repo, Path root, int port, String page) {

    static App create(String env, NextAppRepo repo, String page) throws IOException {
      Path root = work.resolve(env).resolve("target");
      Files.createDirectories(root.resolve("shared"));
      Files.writeString(root.resolve("shared/.env.local"), "DATABASE_URL=postgres://localhost/x\n");
      return new App(env, repo, root, TestSpecs.freePort(), page);
    }

    String name() {
      return "assets-" + env;
    }
  }

  @Test
  void everyAssetOfTheFirstReleasesPageStillAnswersAfterTwoMoreDeploymentsOfANext16App()
      throws Exception {
    App app = App.create("assets16", NextAppRepo.create(work.resolve("app16")), "app/page.js");
    try {
      oldAssetsStayReachable(app, true);
    } finally {
      tools.pm2().delete(app.name());
    }
  }

  @Test
  void everyAssetOfTheFirstReleasesPageStillAnswersAfterTwoMoreDeploymentsOfANext12App()
      throws Exception {
    NextAppRepo repo =
        NextAppRepo.createFrom(work.resolve("app12"), Path.of("bench/zero-downtime/next12-pages"));
    App app = App.create("assets12", repo, "pages/index.js");
    try {
      oldAssetsStayReachable(app, false);
    } finally {
      tools.pm2().delete(app.name());
    }
  }

  void oldAssetsStayReachable(App app, boolean clientComponent) throws Exception {
    deploy(app, commitPage(app, "Release A", clientComponent));
    String htmlA = get(app, "/").body();
    assertThat(htmlA).contains("Release A");
    Map<String, String> assets = assetsOf(htmlA);
    assertThat(assets).as("asset URLs in A's page").isNotEmpty();
    for (String url : assets.keySet()) {
      assertThat(get(app, url).statusCode()).as("before B: " + url).isEqualTo(200);
    }

    deploy(app, commitPage(app, "Release B", clientComponent));
    deploy(app, commitPage(app, "Release C", clientComponent));
    assertThat(get(app, "/").body()).contains("Release C");

    Path serving = app.root().resolve("current").toRealPath();
    Set<String> notInC = new TreeSet<>();
    for (Map.Entry<String, String> a : assets.entrySet()) {
      if (!Files.isRegularFile(serving.resolve(".next/static").resolve(a.getValue()))) {
        notInC.add(a.getKey());
      }
    }
    // Otherwise this test would prove nothing about older releases.
    assertThat(notInC).as("A's assets C's build does not have").isNotEmpty();
    for (String url : assets.keySet()) {
      HttpResponse<String> r = get(app, url);
      assertThat(r.statusCode()).as("after C: " + url).isEqualTo(200);
      if (notInC.contains(url)) {
        assertThat(r.headers().firstValue("cache-control"))
            .as(url)
            .contains("public, max-age=31536000, immutable");
        assertThat(r.headers().firstValue("content-type").orElse(""))
            .as(url)
            .matches(
                url.contains(".css")
                    ? "text/css.*"
                    : url.contains(".js") ? "application/javascript.*" : ".+");
      }
    }
  }

  DeploymentOutcome deploy(App app, String commit) throws Exception {
    String yaml =
        TestSpecs.yaml(app.env(), app.name(), app.repo().dir(), commit, app.root(), app.port(), "")
            .replace("    script: server.js\n", "")
            .replace("maxMemoryRestart: 300M", "maxMemoryRestart: 1G")
            .replace("timeout: 3s", "timeout: 10s\n    maxResponseTime: 10s");
    DeploySpec spec = TestSpecs.parse(app.env(), yaml);
    DeploymentOutcome outcome =
        runner.execute(
            runner.prepareUpdate(spec, commit, DeployOptions.NONE, Trigger.API, "test-revision"));
    assertThat(outcome.result())
        .as(outcome.message())
        .isEqualTo(DeploymentOutcome.Result.SUCCEEDED);
    return outcome;
  }

  /** A commit whose page (and so its client chunks) differs from the others'. */
  static String commitPage(App app, String text, boolean clientComponent) throws IOException {
    Files.writeString(
        app.repo().dir().resolve(app.page()),
        (clientComponent ? "'use client';\n" : "")
            + """
            import { useState } from 'react';
            export default function Home() {
              const [n, setN] = useState(0);
              return (
                <main>
                  <h1>%s</h1>
                  <button onClick={() => setN(n + 1)}>%s clicked {n}</button>
                </main>
              );
            }
            """
                .formatted(text, text));
    return app.repo().commit(text);
  }

  /** {@code /_next/static/...} URLs of a page, each with its path below {@code .next/static}. */
  static Map<String, String> assetsOf(String html) {
    Map<String, String> out = new LinkedHashMap<>();
    Matcher m = ASSET.matcher(html);
    while (m.find()) {
      String url = m.group(1).replace("&amp;", "&");
      String path = url.replaceFirst("[?#].*$", "").substring("/_next/static/".length());
      out.put(url, URLDecoder.decode(path.replace("+", "%2B"), StandardCharsets.UTF_8));
    }
    return out;
  }

  static HttpResponse<String> get(App app, String path) throws Exception {
    return HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .build()
        .send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + app.port() + path))
                .timeout(Duration.ofSeconds(20))
                .build(),
            HttpResponse.BodyHandlers.ofString());
  }
}
