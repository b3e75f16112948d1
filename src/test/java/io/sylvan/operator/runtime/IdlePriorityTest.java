package io.sylvan.operator.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The preview's command lines: own session, lowered CPU and I/O priority, group kill. */
class IdlePriorityTest {

  static final List<String> NODE = List.of("node", "/opt/sylvan/launcher.js");

  @Test
  void runsInANewSessionAtNice10WithTheLowestBestEffortIoWhenTheHostAllowsBoth() {
    assertThat(IdlePriority.wrap(NODE, new IdlePriority.Support(true, true)))
        .containsExactly(
            "setsid",
            "nice",
            "-n",
            "10",
            "ionice",
            "-c",
            "2",
            "-n",
            "7",
            "node",
            "/opt/sylvan/launcher.js");
  }

  @Test
  void leavesOutWhatTheHostLacks() {
    assertThat(IdlePriority.wrap(NODE, new IdlePriority.Support(false, false)))
        .containsExactly("nice", "-n", "10", "node", "/opt/sylvan/launcher.js");
  }

  @Test
  void stepCommandsKeepTheirRunnersProcessGroupSoATimeoutStillKillsTheirTree() {
    IdlePriority.Support all = new IdlePriority.Support(true, true);
    assertThat(IdlePriority.lowest(NODE, all, true))
        .containsExactly(
            "nice", "-n", "10", "ionice", "-c", "2", "-n", "7", "node", "/opt/sylvan/launcher.js");
  }

  @Test
  void theOperatorsSwitchLeavesCommandsAtNormalPriorityButThePreviewInItsOwnGroup() {
    IdlePriority.Support all = new IdlePriority.Support(true, true);
    assertThat(IdlePriority.lowest(NODE, all, false)).isEqualTo(NODE);
    assertThat(IdlePriority.inOwnGroup(NODE, all, false))
        .containsExactly("setsid", "node", "/opt/sylvan/launcher.js");
    assertThat(IdlePriority.describe(all, false)).contains("idle-priority=false");
    assertThat(IdlePriority.describe(all, true)).isEqualTo("nice 10, lowest best-effort I/O");
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
