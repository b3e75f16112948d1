package io.sylvan.operator.state;

import io.sylvan.operator.runtime.Redactor;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Backup and restore of the embedded database with PostgreSQL's own tools: {@code pg_dump
 * --format=custom} of the running server (one repeatable-read snapshot: consistent while the
 * operator writes), and {@code pg_restore} into a fresh data directory with the operator stopped.
 * The embedded binaries hold only the server (initdb, pg_ctl, postgres), so the client tools come
 * from the host (Debian's postgresql-client-15, or {@code pgBin}); pg_dump must be of major 15 or
 * newer to dump a 15 server.
 */
public final class DatabaseBackup {

  /** The embedded server's major version (zonky's 15.x binaries). */
  static final int SERVER_MAJOR = 15;

  private static final Pattern VERSION = Pattern.compile("\\(PostgreSQL\\) (\\d+)");
  private static final long TIMEOUT_MINUTES = 60;

  private final Optional<Path> pgBin;

  /** {@code pgBin}: the folder of pg_dump and pg_restore; empty: found on the PATH. */
  public DatabaseBackup(Optional<Path> pgBin) {
    this.pgBin = pgBin;
  }

  /** {@code pg_dump} of the database the operator runs in {@code pgDir} into {@code file}. */
  public void backup(Path pgDir, Path file) throws IOException {
    backup(runningPort(pgDir), file);
  }

  /** {@code pg_dump} of the embedded server listening on {@code localhost:port}. */
  public void backup(int port, Path file) throws IOException {
    checkMajor(tool("pg_dump"));
    run(pgDumpArgs(tool("pg_dump"), port, file.toAbsolutePath()), "pg_dump");
  }

  /**
   * Restores {@code file} into a new embedded database in {@code pgDir}, which must not exist or be
   * empty (the operator is stopped; the old folder was moved aside). The operator migrates the
   * restored schema forward at its next start, should the backup be older than the code.
   */
  public void restore(Path file, Path pgDir) throws IOException {
    if (!Files.isRegularFile(file)) {
      throw new IOException("no backup file at " + file);
    }
    if (Files.isDirectory(pgDir) && !isEmpty(pgDir)) {
      throw new IOException(
          pgDir
              + " already holds a database: stop the operator and move that folder aside"
              + " (mv "
              + pgDir
              + " "
              + pgDir
              + ".old), then restore");
    }
    checkMajor(tool("pg_restore"));
    try (EmbeddedDatabase db = EmbeddedDatabase.start(pgDir, 0, true)) {
      run(pgRestoreArgs(tool("pg_restore"), db.port(), file.toAbsolutePath()), "pg_restore");
    }
  }

  static List<String> pgDumpArgs(String pgDump, int port, Path file) {
    return List.of(
        pgDump,
        "--format=custom",
        "--file=" + file,
        "--host=localhost",
        "--port=" + port,
        "--username=postgres",
        "--no-password",
        "--dbname=postgres");
  }

  static List<String> pgRestoreArgs(String pgRestore, int port, Path file) {
    return List.of(
        pgRestore,
        "--exit-on-error",
        "--single-transaction",
        "--no-owner",
        "--host=localhost",
        "--port=" + port,
        "--username=postgres",
        "--no-password",
        "--dbname=postgres",
        file.toString());
  }

  /**
   * The port of the PostgreSQL running in {@code pgDir}, from its {@code postmaster.pid} (line 4),
   * which also names its process (line 1): a stale file of a stopped server is refused.
   */
  public static int runningPort(Path pgDir) throws IOException {
    Path pidFile = pgDir.resolve("postmaster.pid");
    if (!Files.isRegularFile(pidFile)) {
      throw new IOException(
          "no PostgreSQL runs in " + pgDir + " (no postmaster.pid): is the operator running?");
    }
    List<String> lines = Files.readAllLines(pidFile, StandardCharsets.UTF_8);
    try {
      long pid = Long.parseLong(lines.get(0).trim());
      if (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
        return Integer.parseInt(lines.get(3).trim());
      }
    } catch (RuntimeException e) {
      throw new IOException(pidFile + " is not a postmaster.pid PostgreSQL wrote", e);
    }
    throw new IOException(
        "the PostgreSQL of "
            + pgDir
            + " is not running (stale postmaster.pid): start the operator");
  }

  private String tool(String name) {
    return pgBin.map(dir -> dir.resolve(name).toString()).orElse(name);
  }

  /** pg_dump older than the server refuses to dump it; say so before it runs. */
  private static void checkMajor(String tool) throws IOException {
    String out = run(List.of(tool, "--version"), tool);
    Matcher m = VERSION.matcher(out);
    if (!m.find()) {
      throw new IOException(
          "cannot read the version of " + tool + ": " + Redactor.patterns(out.strip()));
    }
    int major = Integer.parseInt(m.group(1));
    if (major < SERVER_MAJOR) {
      throw new IOException(
          tool
              + " is PostgreSQL "
              + major
              + ", older than the embedded server ("
              + SERVER_MAJOR
              + "): install postgresql-client-"
              + SERVER_MAJOR
              + " or set sylvan.database.pg-bin");
    }
  }

  /** Runs an argument array (no shell); returns its output, or fails with it. */
  private static String run(List<String> argv, String what) throws IOException {
    Process p;
    try {
      p = new ProcessBuilder(new ArrayList<>(argv)).redirectErrorStream(true).start();
    } catch (IOException e) {
      throw new IOException(
          what
              + " not found ("
              + e.getMessage()
              + "): install postgresql-client-"
              + SERVER_MAJOR
              + " (Debian) or set sylvan.database.pg-bin",
          e);
    }
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    try {
      if (!p.waitFor(TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
        p.destroyForcibly();
        throw new IOException(what + " did not finish within " + TIMEOUT_MINUTES + " minutes");
      }
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new IOException(what + " interrupted", e);
    }
    if (p.exitValue() != 0) {
      throw new IOException(
          what + " failed (exit " + p.exitValue() + "): " + Redactor.patterns(out.strip()));
    }
    return out;
  }

  private static boolean isEmpty(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.findAny().isEmpty();
    }
  }
}
