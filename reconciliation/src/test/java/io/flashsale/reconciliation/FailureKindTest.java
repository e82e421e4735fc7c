package io.flashsale.reconciliation;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.EOFException;
import java.net.ConnectException;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import org.apache.kafka.common.errors.SerializationException;
import org.jdbi.v3.core.statement.UnableToExecuteStatementException;
import org.jdbi.v3.core.transaction.TransactionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.postgresql.util.PSQLException;
import org.postgresql.util.PSQLState;

/** Only a fault proven to be the record's own sets it aside; the database going away never does. */
class FailureKindTest {

  @ParameterizedTest
  @ValueSource(strings = {"08006", "08003", "08001", "57P01", "57014", "40001", "40P01", "53300", "25P02", "XX000"})
  void aFailureOfTheDatabaseIsNeverTheRecords(String sqlState) {
    SQLException sql = new SQLException("the database failed", sqlState);
    assertThat(FailureKind.of(sql)).isEqualTo(FailureKind.INFRASTRUCTURE);
    assertThat(FailureKind.of(new UnableToExecuteStatementException(sql, null))).isEqualTo(FailureKind.INFRASTRUCTURE);
    assertThat(FailureKind.of(new TransactionException("Failed to commit transaction", sql)))
        .isEqualTo(FailureKind.INFRASTRUCTURE);
  }

  @ParameterizedTest
  @ValueSource(strings = {"22021", "22001", "22P02", "23514", "23505", "23503", "23502"})
  void aDataExceptionOrAConstraintViolationIsTheRecords(String sqlState) {
    SQLException sql = new SQLException("ERROR: refused", sqlState);
    assertThat(FailureKind.of(sql)).isEqualTo(FailureKind.RECORD);
    assertThat(FailureKind.of(new UnableToExecuteStatementException(sql, null))).isEqualTo(FailureKind.RECORD);
  }

  @Test
  void theDriversOwnConnectionLossIsInfrastructure() {
    PSQLException lost = new PSQLException("An I/O error occurred while sending to the backend.",
        PSQLState.CONNECTION_FAILURE, new EOFException());
    assertThat(FailureKind.of(new UnableToExecuteStatementException(lost, null))).isEqualTo(FailureKind.INFRASTRUCTURE);
    assertThat(FailureKind.of(new SQLTransientConnectionException("sink - Connection is not available", "08001", lost)))
        .isEqualTo(FailureKind.INFRASTRUCTURE);
  }

  @Test
  void bytesThatDoNotDecodeAreTheRecords() {
    assertThat(FailureKind.of(new SerializationException("Not in the Confluent wire format (topic sales)")))
        .isEqualTo(FailureKind.RECORD);
    assertThat(FailureKind.of(new SerializationException("Could not read Sale", new EOFException())))
        .isEqualTo(FailureKind.RECORD);
  }

  @Test
  void aSchemaRegistryThatCannotAnswerIsInfrastructure() {
    assertThat(FailureKind.of(new SerializationException("Could not read Sale",
        new IllegalStateException("Schema registry at http://localhost:1/ unreachable", new ConnectException()))))
        .isEqualTo(FailureKind.INFRASTRUCTURE);
    assertThat(FailureKind.of(new SerializationException("Could not read Sale",
        new IllegalStateException("Schema registry answered 503: busy"))))
        .isEqualTo(FailureKind.INFRASTRUCTURE);
  }

  @Test
  void aFailureOfUnknownCauseIsNotBlamedOnTheRecord() {
    assertThat(FailureKind.of(new NullPointerException())).isEqualTo(FailureKind.INFRASTRUCTURE);
    assertThat(FailureKind.of(new org.apache.kafka.common.errors.TimeoutException("broker away")))
        .isEqualTo(FailureKind.INFRASTRUCTURE);
    assertThat(FailureKind.of(new SinkPositions.PositionConflict("moved"))).isEqualTo(FailureKind.INFRASTRUCTURE);
  }

  /** A data error reported on a connection that is being lost says nothing about the record. */
  @Test
  void aSignOfInfrastructureAnywhereInTheChainWins() {
    SQLException lost = new SQLException("connection lost", "08006");
    PSQLException data = new PSQLException("ERROR: refused", PSQLState.DATA_ERROR, lost);
    assertThat(FailureKind.of(data)).isEqualTo(FailureKind.INFRASTRUCTURE);
  }
}
