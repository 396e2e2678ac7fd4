package org.weft.embedded;

import java.util.Map;
import org.neo4j.driver.Query;
import org.neo4j.driver.Record;
import org.neo4j.driver.Result;
import org.neo4j.driver.Transaction;
import org.neo4j.driver.TransactionContext;
import org.neo4j.driver.Value;
import org.neo4j.driver.exceptions.ClientException;

/** A driver transaction that is a transaction of the embedded database, in this JVM. */
final class InProcessTransaction implements Transaction, TransactionContext {

  private final org.neo4j.graphdb.Transaction transaction;
  private boolean open = true;

  InProcessTransaction(org.neo4j.graphdb.Transaction transaction) {
    this.transaction = transaction;
  }

  @Override
  public Result run(String query, Map<String, Object> parameters) {
    return execute(query, InProcessResults.parameters(parameters));
  }

  @Override
  public Result run(String query, Value parameters) {
    return execute(query, InProcessResults.parameters(parameters));
  }

  @Override
  public Result run(String query, Record parameters) {
    return execute(query, InProcessResults.parameters(parameters));
  }

  @Override
  public Result run(String query) {
    return execute(query, Map.of());
  }

  @Override
  public Result run(Query query) {
    return execute(query.text(), InProcessResults.parameters(query.parameters()));
  }

  private Result execute(String query, Map<String, Object> parameters) {
    if (!open) {
      throw new ClientException("Cannot run more queries in this transaction, it has been committed or rolled back");
    }
    return InProcessResults.shielded(() -> {
      try (var result = transaction.execute(query, parameters)) {
        return InProcessResults.read(query, result);
      }
    });
  }

  @Override
  public void commit() {
    end("commit", transaction::commit);
  }

  @Override
  public void rollback() {
    end("roll back", transaction::rollback);
  }

  private void end(String what, Runnable ending) {
    if (!open) {
      throw new ClientException("Can't " + what + ", transaction has been committed or rolled back");
    }
    open = false;
    InProcessResults.shielded(() -> {
      try (transaction) {
        ending.run();
      }
    });
  }

  @Override
  public boolean isOpen() {
    return open;
  }

  /** Rolls back what was not committed, as the driver's transactions do. */
  @Override
  public void close() {
    if (open) {
      open = false;
      InProcessResults.shielded(transaction::close);
    }
  }
}
