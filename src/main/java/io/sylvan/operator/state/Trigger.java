package io.sylvan.operator.state;

/** What started a deployment. */
public enum Trigger implements WireEnum {
  SCHEDULE("schedule"),
  WEBHOOK("webhook"),
  MANUAL("manual"),
  API("api"),
  STARTUP("startup"),
  /** The operator itself, rolling back a release that failed after the switch. */
  AUTO_ROLLBACK("auto-rollback");

  private final String wire;

  Trigger(String wire) {
    this.wire = wire;
  }

  @Override
  public String wire() {
    return wire;
  }

  @jakarta.persistence.Converter(autoApply = true)
  public static class JpaConverter extends WireEnumConverter<Trigger> {
    public JpaConverter() {
      super(Trigger.class);
    }
  }
}
