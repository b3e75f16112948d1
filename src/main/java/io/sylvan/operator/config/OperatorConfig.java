package io.sylvan.operator.config;

import io.quarkus.runtime.configuration.MemorySize;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.sylvan.operator.runtime.GitTransport;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/** The operator's own settings ({@code sylvan.*}); each environment's settings live in its spec. */
@ConfigMapping(prefix = "sylvan")
public interface OperatorConfig {

  /** Where the operator keeps its state: the embedded database, git mirrors, the spec clone. */
  @WithDefault("./data")
  Path dataDir();

  Specs specs();

  Database database();

  Auth auth();

  /** The dashboard under {@code /ui}: docs/dashboard.md. */
  Ui ui();

  Pm2 pm2();

  Reconcile reconcile();

  Alerts alerts();

  Node node();

  /** How git reaches private repositories, app and spec repositories alike. */
  GitAccess git();

  /** Age-encrypted env files in the spec repository: docs/secrets.md. */
  Secrets secrets();

  /** The node's age key, which decrypts {@code spec.env.encryptedFile}. */
  interface Secrets {
    /** The node's age identity file (from {@code age-keygen}), mode 600; unset: none. */
    Optional<Path> identity();
  }

  /** SSH deploy key, pinned known_hosts, HTTPS tokens: docs/private-repositories.md. */
  interface GitAccess {
    /** The private half of an SSH deploy key, mode 600; unset: ssh's defaults in {@code ~/.ssh}. */
    Optional<Path> sshKey();

    /** The only known_hosts file ssh trusts (unknown hosts are always refused); unset: ssh's. */
    Optional<Path> knownHosts();

    /** A git-credential-store file of HTTPS tokens, mode 600; unset: none. */
    Optional<Path> credentialsFile();

    /** The settings as git's transport (paths checked for characters ssh would interpret). */
    default GitTransport transport() {
      return new GitTransport(sshKey(), knownHosts(), credentialsFile());
    }
  }

  /**
   * This operator as a node agent of a fleet. A single operator with no node settings is one node
   * named after its host, and behaves as a single-VM operator.
   */
  interface Node {
    /** The node's name ({@code SYLVAN_NODE_NAME}); default: the host name. */
    Optional<String> name();

    /** Labels for {@code spec.placement.nodeSelector}: {@code role=web,zone=a}. */
    Optional<String> labels();

    /** How often the node renews its lease in the database (like kube-node-lease). */
    @WithDefault("10s")
    Duration leaseRenew();

    /** A lease not renewed for this long makes the node NotReady. */
    @WithDefault("40s")
    Duration leaseExpiry();
  }

  Deploy deploy();

  Logs logs();

  /** The live events of {@code GET /events} (docs/events.md). */
  Events events();

  /** The live events: what is kept for clients that reconnect, and how a connection is kept. */
  interface Events {
    /** Events kept for replay to a client that reconnects with {@code Last-Event-ID}. */
    @WithDefault("1000")
    int buffer();

    /** Events one client may have waiting; a client further behind is disconnected. */
    @WithDefault("256")
    int subscriberQueue();

    /** How often an idle connection gets a comment line, so proxies keep it open. */
    @WithDefault("15s")
    Duration keepAlive();
  }

  /**
   * Rotation of each environment's {@code <root>/logs}: the deploy logs, the health-check logs and
   * PM2's {@code pm2-out.log}/{@code pm2-error.log} (docs/operations.md#log-rotation).
   */
  interface Logs {
    /** A log file over this size is renamed to {@code <name>.1} and a fresh one started. */
    @WithDefault("10M")
    MemorySize maxSize();

    /** Rotated files kept per log file ({@code <name>.1} .. {@code <name>.<keep>}). */
    @WithDefault("5")
    int keep();

    /** Deploy and health logs (and rotated files) not written for this long are deleted. */
    @WithDefault("14d")
    Duration maxAge();

    /** How often PM2's logs are checked for size and old files deleted. */
    @WithDefault("10m")
    Duration checkInterval();
  }

  /** How deployments treat the host they share with the serving app. */
  interface Deploy {
    /**
     * Install, build, migrations, the pre-traffic preview and the boot and warm-up of new workers
     * run at nice 10 and the lowest best-effort I/O priority, so that on a small VM the serving
     * workers keep most of the CPU and the work still finishes on a busy host. {@code false} runs
     * them at normal priority, for comparison.
     */
    @WithDefault("true")
    boolean idlePriority();
  }

  /** The reconcile loop. Each environment's own interval is {@code spec.reconcile.interval}. */
  interface Reconcile {
    /** How often the loop wakes to see which environments are due (and for liveness). */
    @WithDefault("2s")
    Duration tick();

    /** Whether the loop runs at all; off, only API calls deploy. */
    @WithDefault("true")
    boolean enabled();
  }

  /** Alerts: a JSON POST with a Slack-compatible {@code text} to a webhook. */
  interface Alerts {
    /** The webhook URL; unset means no alerts. */
    Optional<String> url();

    /** Tries per alert, with exponential backoff between them. */
    @WithDefault("5")
    int attempts();
  }

  /** Where the desired state comes from: a local folder, or a folder inside a git repository. */
  interface Specs {
    /** Local folder of {@code *.yaml} specs, used when no git URL is set. */
    @WithDefault("./deploy-specs")
    Path directory();

    /** A git repository (URL or local path) holding the specs; replaces {@code directory}. */
    Optional<String> gitUrl();

    @WithDefault("main")
    String gitBranch();

    /** The folder inside the git repository that holds the specs. */
    @WithDefault("deploy-specs")
    String gitPath();

    /** How often the spec source is read (git: fetched) when no webhook says so sooner. */
    @WithDefault("15s")
    Duration pollInterval();

    /** How long a fetch of the spec repository may take. */
    @WithDefault("60s")
    Duration fetchTimeout();
  }

  /**
   * The embedded PostgreSQL, used when no {@code quarkus.datasource.jdbc.url} is set. Read before
   * Quarkus starts (see {@code OperatorMain}); declared here so the keys are known and documented.
   */
  interface Database {
    /** Its data directory; default {@code <data-dir>/postgres}. */
    Optional<Path> embeddedDir();

    /** Its port on localhost; 0 picks a free one at each start. */
    @WithDefault("0")
    int embeddedPort();

    /**
     * fsync, synchronous_commit and full_page_writes on, so a committed deployment survives a power
     * loss. {@code false} trades that for speed: for tests only.
     */
    @WithDefault("true")
    boolean embeddedDurable();

    /**
     * Folder of pg_dump and pg_restore for {@code db backup} and {@code db restore} (major 15 or
     * newer); unset: the ones on the PATH.
     */
    Optional<Path> pgBin();
  }

  interface Auth {
    /**
     * Bearer token for mutating endpoints. When unset, mutating endpoints answer 401 to everyone:
     * the operator never runs open.
     */
    Optional<String> token();

    /** Shared secret of the git webhook (GitHub's {@code X-Hub-Signature-256}). */
    Optional<String> webhookSecret();
  }

  interface Ui {
    /** How long a dashboard sign-in lasts; the session cookie expires with it. */
    @WithDefault("8h")
    java.time.Duration sessionLifetime();

    /** Rows per page of an environment's history. */
    @WithDefault("20")
    int historyPageSize();

    /** How many of the latest deployments the step timeline shows. */
    @WithDefault("10")
    int timelineDeployments();

    /** How many of the latest health results the chart shows. */
    @WithDefault("60")
    int healthPoints();
  }

  interface Pm2 {
    /** The pm2 executable. */
    @WithDefault("pm2")
    String command();

    /** PM2_HOME for the daemon the operator drives; unset means PM2's own default. */
    Optional<Path> home();
  }
}
