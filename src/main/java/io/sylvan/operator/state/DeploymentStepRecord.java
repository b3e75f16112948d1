package io.sylvan.operator.state;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import io.quarkus.panache.common.Sort;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.List;

/** One step of a deployment: the seed's {@code DeploymentStep}, plus its phase. */
@Entity
@Table(name = "deployment_step")
public class DeploymentStepRecord extends PanacheEntityBase {

  /** Output kept in the database per step; the full text is in the deploy log. */
  public static final int OUTPUT_TAIL_CHARS = 8192;

  @Id
  @GeneratedValue(strategy = GenerationType.IDENTITY)
  public Long id;

  @Column(name = "deployment_id", nullable = false)
  public Long deploymentId;

  @Column(nullable = false)
  public int seq;

  @Column(nullable = false)
  public String name;

  @Column(nullable = false)
  public String phase;

  @Column(nullable = false)
  public StepStatus status;

  @Column(name = "started_at")
  public Instant startedAt;

  @Column(name = "ended_at")
  public Instant endedAt;

  @Column(name = "duration_ms")
  public Long durationMs;

  public String output;

  public String error;

  public static List<DeploymentStepRecord> findByDeployment(long deploymentId) {
    return list("deploymentId", Sort.ascending("seq"), deploymentId);
  }

  /** Keeps the last {@link #OUTPUT_TAIL_CHARS} characters. */
  public static String tail(String text) {
    if (text == null || text.length() <= OUTPUT_TAIL_CHARS) {
      return text;
    }
    return "…" + text.substring(text.length() - OUTPUT_TAIL_CHARS + 1);
  }
}
