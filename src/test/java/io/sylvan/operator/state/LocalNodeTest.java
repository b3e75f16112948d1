package io.sylvan.operator.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class LocalNodeTest {

  @Test
  void aNodeWithoutSettingsIsNamedAfterItsHostAndHasNoLabels() {
    LocalNode node = new LocalNode(Optional.empty(), Optional.empty());
    assertTrue(LocalNode.NAME.matcher(node.name()).matches(), node.name());
    assertEquals(Map.of(), node.labels());
  }

  @Test
  void labelsKeepTheirOrderAndIgnoreBlanks() {
    LocalNode node = new LocalNode(Optional.of("web-1"), Optional.of(" role=web, zone=a ,"));
    assertEquals("web-1", node.name());
    assertEquals(List.of("role", "zone"), List.copyOf(node.labels().keySet()));
    assertEquals("a", node.labels().get("zone"));
  }

  @Test
  void rejectsANodeNameThatIsNoDnsLabelNamingTheSetting() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> new LocalNode(Optional.of("Web_1"), Optional.empty()));
    assertTrue(e.getMessage().startsWith("sylvan.node.name: 'Web_1'"), e.getMessage());
  }

  @Test
  void rejectsALabelWithoutAValueOrGivenTwice() {
    assertThrows(IllegalArgumentException.class, () -> LocalNode.parseLabels("role"));
    IllegalArgumentException twice =
        assertThrows(IllegalArgumentException.class, () -> LocalNode.parseLabels("a=1,a=2"));
    assertTrue(twice.getMessage().contains("'a' is given twice"), twice.getMessage());
  }

  @Test
  void aHostNameIsCutToAValidNodeName() {
    assertEquals("ip-10-0-0-1.ec2.internal", LocalNode.sanitize("IP-10-0-0-1.ec2.internal"));
    assertEquals("my-host", LocalNode.sanitize("My_Host"));
    assertEquals("node", LocalNode.sanitize("..."));
    assertEquals(63, LocalNode.sanitize("a".repeat(80)).length());
  }

  @Test
  void everyProcessHasItsOwnInstanceId() {
    assertNotEquals(
        new LocalNode(Optional.of("a"), Optional.empty()).instanceId(),
        new LocalNode(Optional.of("a"), Optional.empty()).instanceId());
  }
}
