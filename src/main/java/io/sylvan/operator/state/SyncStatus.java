package io.sylvan.operator.state;

/** Whether the serving commit is the desired one (Argo CD's vocabulary). */
public enum SyncStatus implements WireEnum {
  SYNCED("Synced"),
  OUT_OF_SYNC("OutOfSync"),
  UNKNOWN("Unknown");

  private final String wire;

  SyncStatus(String wire) {
    this.wire = wire;
  }

  @Override
  public String wire() {
    return wire;
  }

  @jakarta.persistence.Converter(autoApply = true)
  public static class JpaConverter extends WireEnumConverter<SyncStatus> {
    public JpaConverter() {
      super(SyncStatus.class);
    }
  }
}
