package io.sylvan.operator.pipeline;

import java.util.ArrayList;
import java.util.List;

/** The order of the steps, declared once. */
public final class PipelineSteps {

  private PipelineSteps() {}

  /** An update or initial deployment: build beside the serving release, then switch. */
  public static List<Step> update() {
    return update(BuildAgreement.NONE);
  }

  /**
   * An update whose build must agree with the other nodes' ({@code agreement}) before the switch;
   * {@link BuildAgreement#NONE} leaves the single-node steps exactly as they were.
   */
  public static List<Step> update(BuildAgreement agreement) {
    List<Step> steps = new ArrayList<>(updateSteps());
    if (agreement != BuildAgreement.NONE) {
      // After the build and its preflight, before the preview and the switch.
      int preflight =
          steps.indexOf(
              steps.stream().filter(NextPreflightStep.class::isInstance).findFirst().get());
      steps.add(preflight + 1, new BuildAgreementStep(agreement));
    }
    return List.copyOf(steps);
  }

  private static List<Step> updateSteps() {
    return List.of(
        new ValidateStep(),
        new CheckoutStep(),
        new BackupStep(),
        new MigrateStep(),
        new WriteEnvStep(),
        new CleanCacheStep(),
        new ReuseDependenciesStep(),
        new InstallStep(),
        new ReuseBuildCacheStep(),
        new BuildStep(),
        new NextPreflightStep(),
        new PreviewStep(),
        new SwitchReleaseStep(),
        new ReloadStep(),
        new VerifyReleaseStep(),
        new HealthCheckStep());
  }

  /**
   * A change of the encrypted env file alone, when the build does not depend on it: a copy of the
   * serving release with the new env file, previewed before traffic (a value that breaks the app
   * breaks it at start), switched and reloaded like any update, no build.
   */
  public static List<Step> envChange() {
    return List.of(
        new ValidateStep(),
        new BackupStep(),
        new CopyReleaseStep(),
        new WriteEnvStep(true),
        new PreviewStep(),
        new SwitchReleaseStep(),
        new ReloadStep(),
        new VerifyReleaseStep(),
        new HealthCheckStep());
  }

  /**
   * Making a release that is already built serve again: a rollback, or correcting drift when the
   * desired release is on disk. Never rebuilds.
   */
  public static List<Step> activate(boolean restoreEnv) {
    return restoreEnv
        ? List.of(
            new RestoreEnvStep(),
            new SwitchReleaseStep(),
            new ReloadStep(),
            new VerifyReleaseStep(),
            new HealthCheckStep())
        : List.of(
            new SwitchReleaseStep(),
            new ReloadStep(),
            new VerifyReleaseStep(),
            new HealthCheckStep());
  }
}
