package io.sylvan.operator.state;

/** The serving app's health as the status reports it (Argo CD's vocabulary). */
public enum AppHealth implements WireEnum {
  HEALTHY("Healthy"),
  PROGRESSING("Progressing"),
  DEGRADED("Degraded"),
  MISSING("Missing"),
  UNKNOWN("Unknown");

  private final String wire;

  AppHealth(String wire) {
    this.wire = wire;
  }

  @Override
  public String wire() {
    return wire;
  }

  @jakarta.persistence.Converter(autoApply = true)
  public static class JpaConverter extends WireEnumConverter<AppHealth> {
    public JpaConverter() {
      super(AppHealth.class);
    }
  }
}
