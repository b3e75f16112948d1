package io.sylvan.operator.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import io.sylvan.operator.runtime.CommandRunner;
import io.sylvan.operator.runtime.Git;
import io.sylvan.operator.runtime.Redactor;
import io.sylvan.operator.state.DeploymentType;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The one source check of the reconciler and the validate step, against a real git over HTTP (a
 * static "dumb HTTP" server over a bare repository), with credentials in the repository URL: they
 * must never reach a failure message.
 */
class SourceCheckTest {

  private static final String SECRET = "s3cret-token";
  private static final String MISSING = "0123456789abcdef0123456789abcdef01234567";

  @TempDir Path tmp;

  private HttpServer server;
  private final List<DeploymentLog> logs = new ArrayList<>();
  private String commit;
  private final Git git = new Git(CommandRunner.local());

  @BeforeEach
  void serveABareRepositoryOverHttp() throws Exception {
    Path work = Files.createDirectories(tmp.resolve("work"));
    RepoCommands.init(work);
    Files.writeString(work.resolve("server.js"), "console.log('v1')\n");
    commit = RepoCommands.commit(work, "v1");
    Path served = Files.createDirectories(tmp.resolve("served"));
    RepoCommands.run(
        tmp,
        "git",
        "clone",
        "--quiet",
        "--bare",
        work.toString(),
        served.resolve("app.git").toString());
    RepoCommands.run(served.resolve("app.git"), "git", "update-server-info");

    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(
        "/",
        exchange -> {
          Path file = served.resolve(exchange.getRequestURI().getPath().substring(1)).normalize();
          if (!file.startsWith(served) || !Files.isRegularFile(file)) {
            exchange.sendResponseHeaders(404, -1);
            exchange.close();
            return;
          }
          byte[] body = Files.readAllBytes(file);
          exchange.sendResponseHeaders(200, body.length);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
          }
        });
    server.start();
  }

  @AfterEach
  void stopServer() {
    server.stop(0);
    logs.forEach(DeploymentLog::close);
  }

  private String url(String repo) {
    return "http://deploy:" + SECRET + "@127.0.0.1:" + server.getAddress().getPort() + "/" + repo;
  }

  @Test
  void findsACommitOfARepositoryThatAnswers() {
    SourceCheck.Result result =
        SourceCheck.check(git, tmp.resolve("mirror.git"), url("app.git"), commit);

    assertThat(result.ok()).isTrue();
    assertThat(result.message()).isNull();
    assertThat(git.commitExists(result.mirror(), commit)).isTrue();
  }

  @Test
  void aRepositoryThatDoesNotAnswerIsUnavailableWithoutItsCredentialsInTheMessage() {
    SourceCheck.Result result =
        SourceCheck.check(git, tmp.resolve("mirror.git"), url("missing.git"), commit);

    assertThat(result.status()).isEqualTo(SourceCheck.Status.UNAVAILABLE);
    assertThat(result.message())
        .startsWith("cannot fetch http://***@127.0.0.1:")
        .doesNotContain(SECRET)
        .doesNotContain("deploy:");
  }

  @Test
  void aCommitTheRepositoryLacksIsNotFoundWithoutItsCredentialsInTheMessage() {
    SourceCheck.Result result =
        SourceCheck.check(git, tmp.resolve("mirror.git"), url("app.git"), MISSING);

    assertThat(result.status()).isEqualTo(SourceCheck.Status.COMMIT_NOT_FOUND);
    assertThat(result.message())
        .isEqualTo("commit " + MISSING + " does not exist in " + Git.redactUrls(url("app.git")))
        .doesNotContain(SECRET);
  }

  @Test
  void theValidateStepFailsWithTheSameRedactedMessagesAndItsOwnCodes() throws Exception {
    assertThatThrownBy(() -> new ValidateStep().run(context(url("missing.git"), commit)))
        .isInstanceOfSatisfying(
            StepFailure.class,
            f -> {
              assertThat(f.code()).isEqualTo(FailureCode.SOURCE_UNAVAILABLE);
              assertThat(f.getMessage()).startsWith("cannot fetch http://***@");
              assertThat(f.getMessage()).doesNotContain(SECRET);
            });
    assertThatThrownBy(() -> new ValidateStep().run(context(url("app.git"), MISSING)))
        .isInstanceOfSatisfying(
            StepFailure.class,
            f -> {
              assertThat(f.code()).isEqualTo(FailureCode.COMMIT_NOT_FOUND);
              assertThat(f.getMessage()).contains("does not exist in http://***@");
              assertThat(f.getMessage()).doesNotContain(SECRET);
            });
  }

  /** A context that passes the env and disk checks, so the step goes on to the source. */
  private DeploymentContext context(String repository, String target) throws IOException {
    Path root = tmp.resolve("target");
    var spec =
        TestSpecs.parse(
            "checks",
            TestSpecs.yaml("checks", "app", Path.of("/unused"), target, root, 3000, "")
                .replace("repository: /unused", "repository: " + repository));
    Toolbox tools =
        new Toolbox(
            CommandRunner.local(),
            git,
            null,
            null,
            tmp.resolve("data"),
            null,
            null,
            Redactor.PATTERNS_ONLY,
            null);
    DeploymentLog log =
        new DeploymentLog(tmp.resolve("logs/deploy-" + logs.size() + ".log"), "checks");
    logs.add(log);
    DeploymentContext ctx =
        new DeploymentContext(
            spec,
            target,
            DeploymentType.UPDATE,
            DeployOptions.NONE,
            tools,
            log,
            1,
            root.resolve("releases/r"),
            Optional.empty());
    Files.createDirectories(ctx.envFile().getParent());
    Files.writeString(ctx.envFile(), "DATABASE_URL=postgres://db/app\n");
    return ctx;
  }
}
