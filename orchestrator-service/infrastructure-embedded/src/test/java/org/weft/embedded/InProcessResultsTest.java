package org.weft.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.neo4j.driver.exceptions.ClientException;
import org.neo4j.driver.exceptions.DatabaseException;
import org.neo4j.driver.exceptions.TransientException;
import org.neo4j.kernel.DeadlockDetectedException;

class InProcessResultsTest {

  @Test
  void aDurationArrivesWithItsFourComponentsAsOverBolt() {
    var value = InProcessResults.value(org.neo4j.values.storable.DurationValue.duration(1, 2, 3, 4)).asIsoDuration();

    assertThat(value.months()).isEqualTo(1);
    assertThat(value.days()).isEqualTo(2);
    assertThat(value.seconds()).isEqualTo(3);
    assertThat(value.nanoseconds()).isEqualTo(4);
  }

  @Test
  void aDeadlockIsTransientAsOverBolt() {
    var translated = InProcessResults.translate(new DeadlockDetectedException("two transactions wait for each other"));

    assertThat(translated).isInstanceOf(TransientException.class);
    assertThat(((TransientException) translated).code()).isEqualTo("Neo.TransientError.Transaction.DeadlockDetected");
    assertThat(translated.getSuppressed()).hasSize(1);
  }

  @Test
  void aFailureWithoutStatusIsADatabaseError() {
    var translated = InProcessResults.translate(new IllegalStateException("broken"));

    assertThat(translated).isInstanceOf(DatabaseException.class).hasMessage("broken");
  }

  @Test
  void aDriverExceptionPassesUnchanged() {
    var failure = new ClientException("Neo.ClientError.Statement.SyntaxError", "bad");

    assertThat(InProcessResults.translate(failure)).isSameAs(failure);
  }
}
