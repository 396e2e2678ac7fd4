package org.weft.embedded;

import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.neo4j.driver.AuthToken;
import org.neo4j.driver.BaseSession;
import org.neo4j.driver.Bookmark;
import org.neo4j.driver.BookmarkManager;
import org.neo4j.driver.Driver;
import org.neo4j.driver.ExecutableQuery;
import org.neo4j.driver.Query;
import org.neo4j.driver.Record;
import org.neo4j.driver.Result;
import org.neo4j.driver.Session;
import org.neo4j.driver.SessionConfig;
import org.neo4j.driver.Transaction;
import org.neo4j.driver.TransactionCallback;
import org.neo4j.driver.TransactionConfig;
import org.neo4j.driver.Value;
import org.neo4j.driver.exceptions.ClientException;
import org.neo4j.driver.exceptions.TransientException;
import org.neo4j.graphdb.GraphDatabaseService;
import org.neo4j.graphdb.ResultTransformer;

/**
 * The Neo4j driver of the process that hosts the embedded database: its sessions run statements
 * through the database's own API instead of Bolt. Measured here, a statement over Bolt to the same
 * JVM costs about ten times the CPU of the same statement run in process (encoding, a loopback
 * socket, the Bolt worker's hand-offs, decoding), and the engine runs a handful of statements for
 * every task. Bolt stays open for Neo4j Browser, other orchestrator instances and tools.
 *
 * <p>Only what Spring Data Neo4j and the health check use is supported: synchronous sessions with
 * explicit, managed and auto-commit transactions on the default database. Results are read to the
 * end while the statement runs. Bookmarks are not needed: there is one database, in this process.
 */
final class InProcessDriver implements Driver {

  static final String DATABASE = "neo4j";
  private static final int MANAGED_ATTEMPTS = 5;

  private final GraphDatabaseService database;

  InProcessDriver(GraphDatabaseService database) {
    this.database = database;
  }

  @Override
  public <T extends BaseSession> T session(Class<T> sessionClass, SessionConfig config, AuthToken authToken) {
    if (!sessionClass.isAssignableFrom(InProcessSession.class)) {
      throw new ClientException("The in-process driver has synchronous sessions only, not " + sessionClass.getSimpleName());
    }
    config.database().filter(name -> !name.equals(DATABASE)).ifPresent(name -> {
      throw new ClientException("Neo.ClientError.Database.DatabaseNotFound", "Database does not exist: " + name);
    });
    return sessionClass.cast(new InProcessSession());
  }

  @Override
  public ExecutableQuery executableQuery(String query) {
    throw new ClientException("The in-process driver runs queries in sessions only");
  }

  @Override
  public BookmarkManager executableQueryBookmarkManager() {
    throw new ClientException("The in-process driver runs queries in sessions only");
  }

  @Override
  public boolean isEncrypted() {
    return false;
  }

  /** The database is the embedded infrastructure's: it stops with it, not with the driver. */
  @Override
  public void close() {}

  @Override
  public CompletionStage<Void> closeAsync() {
    return CompletableFuture.completedFuture(null);
  }

  @Override
  public void verifyConnectivity() {
    if (!database.isAvailable()) {
      throw new TransientException("Neo.TransientError.General.DatabaseUnavailable", "The embedded database is not available");
    }
  }

  @Override
  public CompletionStage<Void> verifyConnectivityAsync() {
    return CompletableFuture.runAsync(this::verifyConnectivity);
  }

  @Override
  public boolean verifyAuthentication(AuthToken authToken) {
    return true;
  }

  @Override
  public boolean supportsSessionAuth() {
    return false;
  }

  @Override
  public boolean supportsMultiDb() {
    return false;
  }

  @Override
  public CompletionStage<Boolean> supportsMultiDbAsync() {
    return CompletableFuture.completedFuture(false);
  }

  private final class InProcessSession implements Session {

    private boolean open = true;

    @Override
    public Transaction beginTransaction() {
      return beginTransaction(TransactionConfig.empty());
    }

    @Override
    public Transaction beginTransaction(TransactionConfig config) {
      var timeout = timeout(config);
      return new InProcessTransaction(InProcessResults.shielded(() -> timeout == null
          ? database.beginTx() : database.beginTx(timeout.toMillis(), TimeUnit.MILLISECONDS)));
    }

    @Override
    public <T> T executeRead(TransactionCallback<T> callback, TransactionConfig config) {
      return executeWrite(callback, config);
    }

    /** Runs the work in a transaction of its own, again after a transient failure, as the driver does. */
    @Override
    public <T> T executeWrite(TransactionCallback<T> callback, TransactionConfig config) {
      for (int attempt = 1; ; attempt++) {
        try (var transaction = (InProcessTransaction) beginTransaction(config)) {
          var result = callback.execute(transaction);
          if (transaction.isOpen()) {
            transaction.commit();
          }
          return result;
        } catch (TransientException e) {
          if (attempt == MANAGED_ATTEMPTS) {
            throw e;
          }
          LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10L * attempt));
        }
      }
    }

    @Override
    public Result run(String query, TransactionConfig config) {
      return autoCommit(query, Map.of(), config);
    }

    @Override
    public Result run(String query, Map<String, Object> parameters, TransactionConfig config) {
      return autoCommit(query, InProcessResults.parameters(parameters), config);
    }

    @Override
    public Result run(Query query, TransactionConfig config) {
      return autoCommit(query.text(), InProcessResults.parameters(query.parameters()), config);
    }

    @Override
    public Result run(String query, Value parameters) {
      return autoCommit(query, InProcessResults.parameters(parameters), TransactionConfig.empty());
    }

    @Override
    public Result run(String query, Map<String, Object> parameters) {
      return run(query, parameters, TransactionConfig.empty());
    }

    @Override
    public Result run(String query, Record parameters) {
      return autoCommit(query, InProcessResults.parameters(parameters), TransactionConfig.empty());
    }

    @Override
    public Result run(String query) {
      return run(query, TransactionConfig.empty());
    }

    @Override
    public Result run(Query query) {
      return run(query, TransactionConfig.empty());
    }

    /**
     * An implicit transaction, as the driver's session.run: the only kind in which
     * {@code CALL { ... } IN TRANSACTIONS} may run.
     */
    private Result autoCommit(String query, Map<String, Object> parameters, TransactionConfig config) {
      if (!open) {
        throw new ClientException("No more interaction with this session is allowed as it has been closed");
      }
      var timeout = timeout(config);
      ResultTransformer<Result> read = result -> InProcessResults.read(query, result);
      return InProcessResults.shielded(() -> timeout == null
          ? database.executeTransactionally(query, parameters, read)
          : database.executeTransactionally(query, parameters, read, timeout));
    }

    /** The transaction's time limit, or null for the database's own (the driver's zero means none set). */
    private static Duration timeout(TransactionConfig config) {
      var timeout = config.timeout();
      return timeout == null || timeout.isZero() ? null : timeout;
    }

    @Override
    public Set<Bookmark> lastBookmarks() {
      return Set.of();
    }

    @Override
    public boolean isOpen() {
      return open;
    }

    @Override
    public void close() {
      open = false;
    }
  }
}
