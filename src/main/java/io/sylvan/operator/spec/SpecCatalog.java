package io.sylvan.operator.spec;

import io.sylvan.operator.config.OperatorConfig;
import io.sylvan.operator.runtime.Redactor;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.ConfigProvider;

/**
 * The operator's current view of the desired state: the last snapshot loaded from the configured
 * {@link SpecSource} (git when {@code sylvan.specs.git-url} is set, else the local folder {@code
 * sylvan.specs.directory}).
 *
 * <p>When the source becomes unreadable the last good snapshot stays in effect, so an outage of the
 * spec repository never looks like "all environments were deleted"; the failure is exposed through
 * {@link #lastError()} until the next successful load. Thread-safe: loads are serialized, readers
 * never block.
 */
@ApplicationScoped
public class SpecCatalog {

  /** Folder under {@code sylvan.data-dir} that holds the clone of the spec repository. */
  public static final String CHECKOUT_DIR = "spec-checkout";

  /**
   * Why the source could not be read.
   *
   * @param message the source's message, without credentials
   * @param at when the load failed
   */
  public record SourceError(String message, Instant at) {}

  private record State(SpecSnapshot snapshot, SourceError error) {}

  private final SpecSource source;
  private final Object loadLock = new Object();
  private volatile State state = new State(null, null);

  @Inject
  public SpecCatalog(
      OperatorConfig config,
      Instance<EstablishedEnvironments> established,
      Instance<NodeIdentity> node) {
    this(
        sourceFor(
            config,
            () -> established.isResolvable() ? established.get().oldestFirst() : List.of(),
            node.isResolvable() ? node.get() : null));
  }

  public SpecCatalog(SpecSource source) {
    this.source = source;
  }

  /** {@code jdbc:postgresql://host[:port]/...} on this machine. */
  private static final Pattern LOCAL_JDBC =
      Pattern.compile(
          "jdbc:postgresql://(?:localhost|127\\.0\\.0\\.1|\\[::1\\])(?::(\\d+))?(?:[/?].*)?");

  /**
   * The source the configuration selects; creating it does no I/O. Its parser rejects the ports the
   * operator itself holds and lets environments that already run win a collision.
   */
  public static SpecSource sourceFor(OperatorConfig config, EstablishedEnvironments established) {
    return sourceFor(config, established, null);
  }

  /**
   * The source the configuration selects, as {@code node} sees it: only the environments placed on
   * it are valid, with its overrides ({@link DeploySpec#forNode}); null: every environment.
   */
  public static SpecSource sourceFor(
      OperatorConfig config, EstablishedEnvironments established, NodeIdentity node) {
    SpecParser parser =
        new SpecParser(reservedPorts(ConfigProvider.getConfig()), established, node);
    OperatorConfig.Specs specs = config.specs();
    Optional<String> gitUrl = specs.gitUrl().filter(url -> !url.isBlank());
    if (gitUrl.isPresent()) {
      return new GitSpecSource(
          gitUrl.get(),
          specs.gitBranch(),
          specs.gitPath(),
          config.dataDir().resolve(CHECKOUT_DIR),
          specs.fetchTimeout(),
          parser,
          config.git().transport());
    }
    return new LocalDirectorySpecSource(specs.directory(), parser);
  }

  /**
   * The root of the spec repository, against which {@code spec.env.encryptedFile} is resolved: the
   * git checkout, or for a local spec folder the folder that holds it (as a repository holds {@code
   * deploy-specs/}).
   */
  public static Path repositoryRoot(OperatorConfig config) {
    OperatorConfig.Specs specs = config.specs();
    if (specs.gitUrl().filter(url -> !url.isBlank()).isPresent()) {
      return config.dataDir().resolve(CHECKOUT_DIR).toAbsolutePath().normalize();
    }
    Path dir = specs.directory().toAbsolutePath().normalize();
    return dir.getParent() == null ? dir : dir.getParent();
  }

  /**
   * Ports an app must not take on this machine: the operator's HTTP port and the port of a
   * PostgreSQL on localhost (the embedded one sets its JDBC URL before Quarkus starts).
   */
  static Map<Integer, String> reservedPorts(Config config) {
    Map<Integer, String> reserved = new HashMap<>();
    config
        .getOptionalValue("quarkus.datasource.jdbc.url", String.class)
        .map(LOCAL_JDBC::matcher)
        .filter(Matcher::matches)
        .ifPresent(
            m ->
                reserved.put(
                    m.group(1) == null ? 5432 : Integer.parseInt(m.group(1)),
                    "the port of the operator's PostgreSQL database"));
    config
        .getOptionalValue("quarkus.http.port", Integer.class)
        .filter(port -> port > 0)
        .ifPresent(port -> reserved.put(port, "the operator's own HTTP port (quarkus.http.port)"));
    return reserved;
  }

  /**
   * Loads the source now.
   *
   * @return the new snapshot, which also becomes {@link #current()}
   * @throws SpecSourceException when the source cannot be read; {@link #current()} then keeps the
   *     last good snapshot and {@link #lastError()} reports the failure
   */
  public SpecSnapshot refresh() throws SpecSourceException {
    synchronized (loadLock) {
      try {
        SpecSnapshot snapshot = source.load();
        state = new State(snapshot, null);
        return snapshot;
      } catch (SpecSourceException e) {
        fail(e.getMessage());
        throw e;
      } catch (RuntimeException e) {
        // A bug or an unexpected I/O failure must not leave the catalog claiming all is well.
        String message =
            "loading " + source.describe() + " failed: " + Redactor.patterns(e.toString());
        fail(message);
        throw new SpecSourceException(message, e);
      }
    }
  }

  private void fail(String message) {
    state = new State(state.snapshot(), new SourceError(message, Instant.now()));
  }

  /** The last snapshot loaded successfully; empty before the first successful load. */
  public Optional<SpecSnapshot> current() {
    return Optional.ofNullable(state.snapshot());
  }

  /** The failure of the latest load, if it failed; cleared by the next successful load. */
  public Optional<SourceError> lastError() {
    return Optional.ofNullable(state.error());
  }

  /** Where the specs come from, without credentials. */
  public String sourceDescription() {
    return source.describe();
  }
}
