package io.flashsale.reconciliation.sink;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.github.tomakehurst.wiremock.WireMockServer;
import io.flashsale.schemas.Sale;
import io.flashsale.schemas.serde.AvroSerde;
import io.flashsale.schemas.serde.MockSchemaRegistry;
import io.flashsale.schemas.serde.SchemaRegistry;
import java.io.EOFException;
import java.net.ServerSocket;
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

  /**
   * What the registry client really throws, met as the sink meets it: a record's decode asks a registry that
   * answers 503, 500, 401 or 403, or is not there at all. None of these is the record's fault.
   */
  @ParameterizedTest
  @ValueSource(ints = {503, 500, 401, 403})
  void aSchemaRegistryThatFailsOrRefusesTheSinkIsInfrastructure(int status) {
    WireMockServer registry = new WireMockServer(options().dynamicPort());
    registry.start();
    try {
      registry.stubFor(get(urlEqualTo("/subjects")).willReturn(okJson("[]")));
      registry.stubFor(get(urlEqualTo("/schemas/ids/7")).willReturn(aResponse().withStatus(status)
          .withHeader("Content-Type", "application/vnd.schemaregistry.v1+json")
          .withBody("{\"error_code\": " + status + "01, \"message\": \"not now\"}")));
      SerializationException failure = decodeFailure(SchemaRegistry.forUrl(registry.baseUrl()));
      assertThat(failure).hasRootCauseInstanceOf(SchemaRegistry.UnavailableException.class);
      assertThat(FailureKind.of(failure)).isEqualTo(FailureKind.INFRASTRUCTURE);
    } finally {
      registry.stop();
    }
  }

  @Test
  void aSchemaRegistryThatIsNotThereIsInfrastructure() throws Exception {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }
    SerializationException failure = decodeFailure(SchemaRegistry.forUrl("http://127.0.0.1:" + closedPort));
    assertThat(FailureKind.of(failure)).isEqualTo(FailureKind.INFRASTRUCTURE);
  }

  /** A registry that answers, but knows no schema of that id: the record names a schema that does not exist. */
  @Test
  void aSchemaIdTheRegistryDoesNotKnowIsTheRecords() {
    SerializationException failure = decodeFailure(MockSchemaRegistry.create());
    assertThat(FailureKind.of(failure)).isEqualTo(FailureKind.RECORD);
  }

  @Test
  void timeoutsAreInfrastructure() {
    assertThat(FailureKind.of(new SerializationException("Could not read Sale",
        new java.net.http.HttpTimeoutException("request timed out")))).isEqualTo(FailureKind.INFRASTRUCTURE);
    assertThat(FailureKind.of(new UnableToExecuteStatementException(new java.util.concurrent.TimeoutException(), null)))
        .isEqualTo(FailureKind.INFRASTRUCTURE);
  }

  /** A database that refuses the sink's connections: too many clients, wrong password, not there. */
  @ParameterizedTest
  @ValueSource(strings = {"53300", "28P01", "3D000", "08004"})
  void aDatabaseRefusingConnectionsIsInfrastructure(String sqlState) {
    assertThat(FailureKind.of(new SQLTransientConnectionException("sink - Connection is not available", sqlState,
        new PSQLException("FATAL: refused", PSQLState.CONNECTION_REJECTED)))).isEqualTo(FailureKind.INFRASTRUCTURE);
  }

  /** The failure of decoding a sale written with schema id 7, read through {@code registry}. */
  private static SerializationException decodeFailure(SchemaRegistry registry) {
    byte[] wire = {0, 0, 0, 0, 7, 2, 'x'};
    Throwable thrown = catchThrowable(() -> AvroSerde.forValues(Sale.class, registry).deserialize("sales", wire));
    assertThat(thrown).isInstanceOf(SerializationException.class);
    return (SerializationException) thrown;
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
