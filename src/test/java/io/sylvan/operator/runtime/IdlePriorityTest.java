package io.sylvan.operator.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The preview's command lines: own session, idle CPU and I/O priority, group kill. */
class IdlePriorityTest {

  static final List<String> NODE = List.of("node", "/opt/sylvan/launcher.js");

  @Test
  void runsInANewSessionAtSchedIdleWithIdleIoWhenTheHostAllowsBoth() {
    assertThat(IdlePriority.wrap(NODE, new IdlePriority.Support(true, true, true)))
        .containsExactly(
            "setsid",
            "chrt",
            "--idle",
            "0",
            "ionice",
            "-c",
            "3",
            "node",
            "/opt/sylvan/launcher.js");
  }

  @Test
  void fallsBackToNice19WithoutSchedIdleAndLeavesOutWhatTheHostLacks() {
    assertThat(IdlePriority.wrap(NODE, new IdlePriority.Support(false, false, false)))
        .containsExactly("nice", "-n", "19", "node", "/opt/sylvan/launcher.js");
    assertThat(IdlePriority.wrap(NODE, new IdlePriority.Support(false, true, true)))
        .containsExactly(
            "setsid", "nice", "-n", "19", "ionice", "-c", "3", "node", "/opt/sylvan/launcher.js");
  }

  @Test
  void stepCommandsKeepTheirRunnersProcessGroupSoATimeoutStillKillsTheirTree() {
    IdlePriority.Support all = new IdlePriority.Support(true, true, true);
    assertThat(IdlePriority.lowest(NODE, all, true))
        .containsExactly(
            "chrt", "--idle", "0", "ionice", "-c", "3", "node", "/opt/sylvan/launcher.js");
    assertThat(IdlePriority.lowest(NODE, new IdlePriority.Support(false, false, true), true))
        .containsExactly("nice", "-n", "19", "node", "/opt/sylvan/launcher.js");
  }

  @Test
  void theOperatorsSwitchLeavesCommandsAtNormalPriorityButThePreviewInItsOwnGroup() {
    IdlePriority.Support all = new IdlePriority.Support(true, true, true);
    assertThat(IdlePriority.lowest(NODE, all, false)).isEqualTo(NODE);
    assertThat(IdlePriority.inOwnGroup(NODE, all, false))
        .containsExactly("setsid", "node", "/opt/sylvan/launcher.js");
    assertThat(IdlePriority.describe(all, false)).contains("idle-priority=false");
    assertThat(IdlePriority.describe(all, true)).isEqualTo("SCHED_IDLE, idle I/O");
  }

  @Test
  void killsTheWholeProcessGroupAndRefusesGroupsThatAreNotAPreview() {
    assertThat(IdlePriority.killGroup(4242)).containsExactly("kill", "-KILL", "--", "-4242");
    assertThatThrownBy(() -> IdlePriority.killGroup(1))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> IdlePriority.killGroup(0))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void thisHostRunsTheToolsItReportsAsWorking() {
    IdlePriority.Support s = IdlePriority.probe();
    // The probe is cached: the same answer twice.
    assertThat(IdlePriority.probe()).isSameAs(s);
  }
}
