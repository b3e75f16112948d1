package io.sylvan.operator.state;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.junit.jupiter.api.Test;

class WireEnumTest {

  @Test
  void everyWireEnumDeclaresItsOwnWireMethodSoTheApiDescriptionCanReadIt() {
    List<Class<? extends Enum<?>>> all = WireEnums.all();
    assertThat(all).contains(DeploymentStatus.class, StepStatus.class, SyncStatus.class);
    for (Class<? extends Enum<?>> type : all) {
      assertThat(declaresWire(type))
          .as("%s declares wire() (SmallRye OpenAPI reads only the enum's own)", type.getName())
          .isTrue();
    }
  }

  @Test
  void theJsonOfEveryWireEnumIsItsWireValueAndReadsBack() throws Exception {
    ObjectMapper json = new ObjectMapper();
    for (Class<? extends Enum<?>> type : WireEnums.all()) {
      for (Enum<?> constant : type.getEnumConstants()) {
        String wire = ((WireEnum) constant).wire();
        assertThat(json.writeValueAsString(constant)).isEqualTo('"' + wire + '"');
        assertThat(json.readValue('"' + wire + '"', type)).isSameAs(constant);
      }
    }
  }

  private static boolean declaresWire(Class<?> type) {
    try {
      type.getDeclaredMethod("wire");
      return true;
    } catch (NoSuchMethodException e) {
      return false;
    }
  }
}
