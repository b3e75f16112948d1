package io.sylvan.operator.state;

/** What started a deployment. */
public enum Trigger implements WireEnum {
  SCHEDULE,
  WEBHOOK,
  MANUAL,
  API,
  STARTUP;

  @jakarta.persistence.Converter(autoApply = true)
  public static class JpaConverter extends WireEnumConverter<Trigger> {
    public JpaConverter() {
      super(Trigger.class);
    }
  }
}
