package io.sylvan.operator.bench;

import java.io.PrintWriter;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.Statement;
import java.util.Set;
import java.util.concurrent.atomic.LongAdder;
import java.util.logging.Logger;
import javax.sql.DataSource;

/**
 * A data source that counts what the fleet code does with it: connection checkouts, statements
 * executed (a batch counts once) and commits. The connections are the pool's own, unchanged.
 */
final class CountingDataSource implements DataSource {

  private static final Set<String> EXECUTES =
      Set.of("execute", "executeQuery", "executeUpdate", "executeBatch", "executeLargeUpdate");

  final LongAdder checkouts = new LongAdder();
  final LongAdder statements = new LongAdder();
  final LongAdder commits = new LongAdder();
  private final DataSource pool;

  CountingDataSource(DataSource pool) {
    this.pool = pool;
  }

  @Override
  public Connection getConnection() throws SQLException {
    checkouts.increment();
    return wrap(pool.getConnection());
  }

  @Override
  public Connection getConnection(String user, String password) throws SQLException {
    checkouts.increment();
    return wrap(pool.getConnection(user, password));
  }

  private Connection wrap(Connection c) {
    InvocationHandler h =
        (proxy, m, args) -> {
          Object r = call(c, m, args);
          String name = m.getName();
          if (name.equals("commit")) {
            commits.increment();
          } else if (r instanceof Statement s
              && (name.startsWith("prepare") || name.equals("createStatement"))) {
            return statement(s, m.getReturnType());
          }
          return r;
        };
    return (Connection)
        Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {Connection.class}, h);
  }

  private Object statement(Statement s, Class<?> type) {
    InvocationHandler h =
        (proxy, m, args) -> {
          if (EXECUTES.contains(m.getName())) {
            statements.increment();
          }
          return call(s, m, args);
        };
    return Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {type}, h);
  }

  private static Object call(Object target, java.lang.reflect.Method m, Object[] args)
      throws Throwable {
    try {
      return m.invoke(target, args);
    } catch (InvocationTargetException e) {
      throw e.getCause();
    }
  }

  @Override
  public PrintWriter getLogWriter() throws SQLException {
    return pool.getLogWriter();
  }

  @Override
  public void setLogWriter(PrintWriter out) throws SQLException {
    pool.setLogWriter(out);
  }

  @Override
  public void setLoginTimeout(int seconds) throws SQLException {
    pool.setLoginTimeout(seconds);
  }

  @Override
  public int getLoginTimeout() throws SQLException {
    return pool.getLoginTimeout();
  }

  @Override
  public Logger getParentLogger() throws SQLFeatureNotSupportedException {
    return pool.getParentLogger();
  }

  @Override
  public <T> T unwrap(Class<T> iface) throws SQLException {
    return pool.unwrap(iface);
  }

  @Override
  public boolean isWrapperFor(Class<?> iface) throws SQLException {
    return pool.isWrapperFor(iface);
  }
}
