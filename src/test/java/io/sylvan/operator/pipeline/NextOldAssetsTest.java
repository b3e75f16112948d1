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
 * A tab opened on commit A keeps loading A's assets after B and C are deployed: the real Next 16
 * fixture ({@code fixtures/next-app}) under a real PM2 with the launcher. B and C change the page,
 * so their builds have other chunks than A's, and Next's build id differs per build; the lockfile
 * is A's, so their node_modules and build cache are reused (one operator, three deployments).
 */
@QuarkusTest
@QuarkusTestResource(EmbeddedPostgresResource.class)
@QuarkusTestResource(Pm2TestResource.class)
class NextOldAssetsTest {

  static final String ENV = "nextassets";
  static final String APP = "next-assets";
  static final Pattern ASSET = Pattern.compile("(?:src|href)=\"(/_next/static/[^\"]+)\"");

  static Path work;
  static NextAppRepo repo;
  static Path root;
  static int port;

  @Inject DeploymentRunner runner;

  @BeforeAll
  static void createRepositoryAndTarget() throws IOException {
    work = Files.createTempDirectory("sylvan-next-assets-");
    repo = NextAppRepo.create(work.resolve("app"));
    root = work.resolve("target");
    Files.createDirectories(root.resolve("shared"));
    Files.writeString(root.resolve("shared/.env.local"), "DATABASE_URL=postgres://localhost/x\n");
    port = TestSpecs.freePort();
  }

  @AfterAll
  static void removeWork() throws IOException {
    FileTrees.delete(work);
  }

  DeploymentOutcome deploy(String commit) throws Exception {
    String yaml =
        TestSpecs.yaml(ENV, APP, repo.dir(), commit, root, port, "")
            .replace("    script: server.js\n", "")
            .replace("maxMemoryRestart: 300M", "maxMemoryRestart: 1G")
            .replace("timeout: 3s", "timeout: 10s\n    maxResponseTime: 10s");
    DeploySpec spec = TestSpecs.parse(ENV, yaml);
    DeploymentOutcome outcome =
        runner.execute(
            runner.prepareUpdate(spec, commit, DeployOptions.NONE, Trigger.API, "test-revision"));
    assertThat(outcome.result())
        .as(outcome.message())
        .isEqualTo(DeploymentOutcome.Result.SUCCEEDED);
    return outcome;
  }

  /** A commit whose page (and so its client chunks) differs from the others'. */
  String commitPage(String text) throws IOException {
    Files.writeString(
        repo.dir().resolve("app/page.js"),
        """
        'use client';
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
    return repo.commit(text);
  }

  @Test
  void everyAssetOfTheFirstReleasesPageStillAnswersAfterTwoMoreDeployments() throws Exception {
    deploy(commitPage("Release A"));
    String htmlA = get("/").body();
    assertThat(htmlA).contains("Release A");
    Map<String, String> assets = assetsOf(htmlA);
    assertThat(assets).as("asset URLs in A's page").isNotEmpty();
    for (String url : assets.keySet()) {
      assertThat(get(url).statusCode()).as("before B: " + url).isEqualTo(200);
    }

    deploy(commitPage("Release B"));
    deploy(commitPage("Release C"));
    assertThat(get("/").body()).contains("Release C");

    Path serving = root.resolve("current").toRealPath();
    Set<String> notInC = new TreeSet<>();
    for (Map.Entry<String, String> a : assets.entrySet()) {
      if (!Files.isRegularFile(serving.resolve(".next/static").resolve(a.getValue()))) {
        notInC.add(a.getKey());
      }
    }
    // Otherwise this test would prove nothing about older releases.
    assertThat(notInC).as("A's assets C's build does not have").isNotEmpty();
    for (String url : assets.keySet()) {
      HttpResponse<String> r = get(url);
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

  HttpResponse<String> get(String path) throws Exception {
    return HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .build()
        .send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(20))
                .build(),
            HttpResponse.BodyHandlers.ofString());
  }
}
