package io.sylvan.operator;

import io.quarkus.runtime.annotations.RegisterForReflection;
import io.sylvan.operator.api.ApiError;
import io.sylvan.operator.api.DeploymentView;
import io.sylvan.operator.api.EnvironmentResource;
import io.sylvan.operator.api.EnvironmentStatus;
import io.sylvan.operator.api.GitHookResource;
import io.sylvan.operator.api.RolloutView;
import io.sylvan.operator.api.StatusResponse;
import io.sylvan.operator.api.StatusService;
import io.sylvan.operator.fleet.NodeInfo;
import io.sylvan.operator.observe.EventData;
import io.sylvan.operator.pipeline.HealthReport;
import io.sylvan.operator.spec.DeploySpec;
import io.sylvan.operator.state.AppHealth;
import io.sylvan.operator.state.BuildIdSource;
import io.sylvan.operator.state.Condition;
import io.sylvan.operator.state.DeploymentStatus;
import io.sylvan.operator.state.DeploymentType;
import io.sylvan.operator.state.HealthStatus;
import io.sylvan.operator.state.StepStatus;
import io.sylvan.operator.state.SyncStatus;
import io.sylvan.operator.state.Trigger;
import io.sylvan.operator.ui.UiViews;

/**
 * What a native image must keep for reflection: the spec model records and every record (and wire
 * enum) that Jackson serializes for the API, the health log and the status conditions. In JVM mode
 * this class does nothing. {@code NativeReflectionTest} fails when a record is added to {@code
 * io.sylvan.operator.api}, to {@link DeploySpec} or to {@link UiViews} without being listed here.
 */
@RegisterForReflection(
    targets = {
      // The spec model (io.sylvan.operator.spec.DeploySpec and its nested records).
      DeploySpec.class,
      DeploySpec.Metadata.class,
      DeploySpec.Spec.class,
      DeploySpec.Source.class,
      DeploySpec.Target.class,
      DeploySpec.Process.class,
      DeploySpec.Build.class,
      DeploySpec.Migrate.class,
      DeploySpec.Env.class,
      DeploySpec.HealthCheck.class,
      DeploySpec.Backup.class,
      DeploySpec.Releases.class,
      DeploySpec.Rollback.class,
      DeploySpec.Reconcile.class,
      DeploySpec.Reconcile.Mode.class,
      DeploySpec.Build.Cache.class,
      DeploySpec.Placement.class,
      DeploySpec.Placement.NodeTarget.class,
      DeploySpec.Rollout.class,
      DeploySpec.Rollout.Amount.class,
      // JSON of the REST API.
      ApiError.class,
      StatusResponse.class,
      StatusResponse.SpecSourceStatus.class,
      EnvironmentStatus.class,
      EnvironmentStatus.NodeStatus.class,
      RolloutView.class,
      RolloutView.Node.class,
      DeploymentView.class,
      DeploymentView.Options.class,
      DeploymentView.Error.class,
      DeploymentView.Step.class,
      DeploymentView.HealthCheck.class,
      DeploymentView.Metrics.class,
      EnvironmentResource.Accepted.class,
      GitHookResource.HookAccepted.class,
      NodeInfo.class,
      StatusService.LogLocation.class,
      // The data of the live events (GET /events), serialized by the event bus.
      EventData.DeploymentStarted.class,
      EventData.StepStarted.class,
      EventData.StepFinished.class,
      EventData.HealthChecked.class,
      EventData.DeploymentFinished.class,
      EventData.ConditionChanged.class,
      EventData.DriftDetected.class,
      // JSON written by the pipeline (health log) and stored with each environment.
      HealthReport.class,
      HealthReport.Metrics.class,
      Condition.class,
      // Enums serialized in their lower-case wire form.
      AppHealth.class,
      BuildIdSource.class,
      SyncStatus.class,
      DeploymentStatus.class,
      DeploymentType.class,
      HealthStatus.class,
      StepStatus.class,
      Trigger.class,
      // The dashboard's views: Qute resolves checked templates without reflection, but a
      // template's {#include} or an unchecked expression would read them reflectively.
      UiViews.Layout.class,
      UiViews.Commit.class,
      UiViews.Badge.class,
      UiViews.LastRun.class,
      UiViews.NodeCell.class,
      UiViews.EnvRow.class,
      UiViews.OverviewPage.class,
      UiViews.HistoryRow.class,
      UiViews.ConditionRow.class,
      UiViews.CommitLine.class,
      UiViews.Changes.class,
      UiViews.Release.class,
      UiViews.RolloutInfo.class,
      UiViews.EnvironmentPage.class,
      UiViews.StepRow.class,
      UiViews.CheckRow.class,
      UiViews.Steps.class,
      UiViews.DeploymentPage.class,
      UiViews.SignInPage.class
    })
public final class NativeReflection {

  private NativeReflection() {}
}
