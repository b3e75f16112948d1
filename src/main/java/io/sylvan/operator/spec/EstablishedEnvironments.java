package io.sylvan.operator.spec;

import java.util.List;

/**
 * The environments that already run on this machine, oldest first. When two specs collide (a port,
 * a PM2 app name, a target root), the one that already runs keeps running and the newcomer is held
 * back, whatever their file names; between newcomers, file name order decides.
 */
public interface EstablishedEnvironments {

  /**
   * Names of the environments that were deployed here and still have a spec, oldest first.
   *
   * @throws RuntimeException when the answer cannot be had (the database is down): a load must then
   *     fail rather than decide collisions without it
   */
  List<String> oldestFirst();
}
