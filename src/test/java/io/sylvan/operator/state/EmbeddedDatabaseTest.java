package io.sylvan.operator.state;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The embedded PostgreSQL as the operator starts it: durable unless a test asks otherwise. */
class EmbeddedDatabaseTest {

  Path work;

  @BeforeEach
  void createWorkDir() throws Exception {
    work = Files.createTempDirectory("sylvan-embedded-db-");
  }

  @AfterEach
  void deleteWorkDir() throws Exception {
    try (Stream<Path> all = Files.walk(work)) {
      all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  @Test
  void runsWithFsyncSynchronousCommitAndFullPageWritesOnByDefault() throws Exception {
    try (EmbeddedDatabase db = EmbeddedDatabase.start(work.resolve("pg"), 0, true)) {
      assertThat(settings(db))
          .containsEntry("fsync", "on")
          .containsEntry("synchronous_commit", "on")
          .containsEntry("full_page_writes", "on");
    }
  }

  @Test
  void theTestOnlySwitchKeepsZonkysFastUnsafeSettings() throws Exception {
    try (EmbeddedDatabase db = EmbeddedDatabase.start(work.resolve("pg"), 0, false)) {
      assertThat(settings(db))
          .containsEntry("fsync", "off")
          .containsEntry("synchronous_commit", "off");
    }
  }

  @Test
  void closeStopsPostgresThoughZonkysOwnShutdownHookIsDeferred() throws Exception {
    Path dir = work.resolve("pg");
    EmbeddedDatabase db = EmbeddedDatabase.start(dir, 0, true);
    assertThat(Files.exists(dir.resolve("postmaster.pid"))).isTrue();
    db.close();
    assertThat(Files.exists(dir.resolve("postmaster.pid")))
        .as("postgres stopped by close()")
        .isFalse();
    db.close(); // idempotent
  }

  static Map<String, String> settings(EmbeddedDatabase db) throws Exception {
    Map<String, String> values = new LinkedHashMap<>();
    try (Connection c = DriverManager.getConnection(db.jdbcUrl(), "postgres", "postgres");
        Statement s = c.createStatement()) {
      for (String name : new String[] {"fsync", "synchronous_commit", "full_page_writes"}) {
        try (ResultSet rs = s.executeQuery("SHOW " + name)) {
          rs.next();
          values.put(name, rs.getString(1));
        }
      }
    }
    return values;
  }
}
