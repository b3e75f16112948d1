package io.sylvan.operator.runtime;

/** A PM2 command could not be run or its output could not be understood. */
public class Pm2Exception extends RuntimeException {

  public Pm2Exception(String message) {
    super(message);
  }

  public Pm2Exception(String message, Throwable cause) {
    super(message, cause);
  }
}
