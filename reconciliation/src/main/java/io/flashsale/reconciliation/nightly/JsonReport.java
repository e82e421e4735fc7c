package io.flashsale.reconciliation.nightly;

import static io.flashsale.reconciliation.nightly.Reports.JSON;

import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@code report.json}, for machines: the run's summary and every discrepancy with its evidence and its buyer's flow
 * ({@code flowId}, and the flow's steps in order, {@code flow}), streamed from the
 * database a page at a time, so that a night of a million discrepancies needs memory for one page.
 */
final class JsonReport {
  private JsonReport() {}

  static void write(ReportStatements sql, Path file, RunSummary summary) throws IOException {
    try (JsonGenerator out = JSON.getFactory().createGenerator(Files.newBufferedWriter(file))) {
      out.useDefaultPrettyPrinter();
      out.writeStartObject();
      field(out, "runId", summary.runId());
      field(out, "day", summary.day());
      field(out, "status", summary.status());
      field(out, "startedAt", summary.startedAt());
      field(out, "finishedAt", summary.finishedAt());
      field(out, "parties", summary.parties());
      field(out, "sinkLag", summary.sinkLag());
      field(out, "undecodableRecords", summary.undecodableRecords());
      field(out, "discrepancies", summary.discrepancies());
      field(out, "byClass", summary.byClass());
      field(out, "sales", summary.sales());
      out.writeArrayFieldStart("discrepancyList");
      Reports.forEachDiscrepancy(sql, summary.runId(), Integer.MAX_VALUE, (d, flow) -> {
        try {
          out.writeStartObject();
          field(out, "class", d.discrepancyClass());
          field(out, "subject", d.subject());
          field(out, "saleId", d.saleId());
          field(out, "requestId", d.requestId());
          field(out, "paymentId", d.paymentId());
          field(out, "action", d.action());
          field(out, "correctionId", d.correctionId());
          evidence(out, "logEvidence", d.logEvidence());
          evidence(out, "databaseEvidence", d.databaseEvidence());
          evidence(out, "providerEvidence", d.providerEvidence());
          field(out, "flowId", d.flowId());
          out.writeArrayFieldStart("flow");
          for (ReportStatements.FlowStep step : flow) {
            out.writeStartObject();
            field(out, "step", step.step());
            field(out, "at", step.at());
            field(out, "source", step.source());
            field(out, "saleId", step.saleId());
            field(out, "requestId", step.requestId());
            field(out, "paymentId", step.paymentId());
            field(out, "detail", step.detail());
            out.writeEndObject();
          }
          out.writeEndArray();
          out.writeEndObject();
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });
      out.writeEndArray();
      out.writeEndObject();
    }
  }

  private static void field(JsonGenerator out, String name, Object value) throws IOException {
    out.writeFieldName(name);
    JSON.writeValue(out, value);
  }

  /** The evidence is JSON already (jsonb as text): written as it is, not as a string. */
  private static void evidence(JsonGenerator out, String name, String json) throws IOException {
    out.writeFieldName(name);
    if (json != null) {
      out.writeRawValue(json);
    } else {
      JSON.writeValue(out, null);
    }
  }
}
