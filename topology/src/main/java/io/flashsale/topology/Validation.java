package io.flashsale.topology;

import io.flashsale.schemas.DrawSeed;
import io.flashsale.schemas.HoldCancellation;
import io.flashsale.schemas.InputRules;
import io.flashsale.schemas.PaymentEvent;
import io.flashsale.schemas.PurchaseBatch;
import io.flashsale.schemas.PurchaseRequest;
import io.flashsale.schemas.QueueJoin;
import io.flashsale.schemas.Sale;
import io.flashsale.schemas.SaleEnd;
import io.flashsale.schemas.Shards;
import io.flashsale.schemas.StockTransfer;
import java.util.List;
import java.util.Objects;
import java.util.stream.Stream;

/**
 * The rules an input record must pass before it may change any state: the shared {@link InputRules} (the
 * API checks the same ones before it writes, so nothing it accepted is refused here), and that the record
 * is keyed by its SKU. Public so that the whole-stack tests hold what the API writes against these very rules.
 */
public final class Validation {
  private static final java.util.regex.Pattern SEED = java.util.regex.Pattern.compile("[0-9a-f]{64}");
  private Validation() {}

  public static Sale requireValidSale(String sku, Sale sale) {
    if (sale == null) {
      throw new InvalidRecordException("Sale record without a value (key " + sku + ")");
    }
    require("Sale " + sale.getSaleId(), InputRules.violations(sale));
    requireKeyIsSku(sku, sale.getSku());
    return sale;
  }

  /** The envelope of a batch; its requests are checked one by one, so that one bad request spoils only itself. */
  public static PurchaseBatch requireValidBatch(String sku, PurchaseBatch batch) {
    if (batch == null) {
      throw new InvalidRecordException("Purchase request record without a value (key " + sku + ")");
    }
    String violation = InputRules.text("sku", batch.getSku());
    require("Batch of " + sku, violation == null ? List.of() : List.of(violation));
    requireKeyIsSku(sku, batch.getSku());
    return batch;
  }

  /** A seed names a valid sale id and is 64 lowercase hex digits, as the API makes them. */
  static DrawSeed requireValidSeed(String sku, DrawSeed seed) {
    if (seed == null) {
      throw new InvalidRecordException("Draw seed record without a value (key " + sku + ")");
    }
    List<String> violations = new java.util.ArrayList<>();
    String saleId = InputRules.saleId("saleId", seed.getSaleId());
    if (saleId != null) {
      violations.add(saleId);
    }
    if (!SEED.matcher(seed.getSeed()).matches()) {
      violations.add("seed must be 64 lowercase hex digits");
    }
    require("Draw seed of " + seed.getSaleId(), violations);
    return seed;
  }

  public static PurchaseRequest requireValidPurchase(String sku, PurchaseRequest request) {
    if (request == null) {
      throw new InvalidRecordException("Purchase request record without a value (key " + sku + ")");
    }
    require("Request " + request.getRequestId(), InputRules.violations(request));
    requireKeyIsSku(sku, request.getSku());
    return request;
  }

  static PaymentEvent requireValidPaymentEvent(String sku, PaymentEvent event) {
    if (event == null) {
      throw new InvalidRecordException("Payment event record without a value (key " + sku + ")");
    }
    require("Payment event " + event.getEventId(), InputRules.violations(event));
    requireKeyIsSku(sku, event.getSku());
    return event;
  }

  static QueueJoin requireValidQueueJoin(String sku, QueueJoin join) {
    if (join == null) {
      throw new InvalidRecordException("Queue join record without a value (key " + sku + ")");
    }
    require("Queue join of " + join.getUserId(), InputRules.violations(join));
    return join;
  }

  static HoldCancellation requireValidCancellation(String sku, HoldCancellation cancellation) {
    if (cancellation == null) {
      throw new InvalidRecordException("Hold cancellation record without a value (key " + sku + ")");
    }
    require("Cancellation of " + cancellation.getRequestId(), InputRules.violations(cancellation));
    requireKeyIsSku(sku, cancellation.getSku());
    return cancellation;
  }

  /** Transfers are the topology's own records; a broken one is dead-lettered like any other. */
  static StockTransfer requireValidTransfer(String sku, StockTransfer transfer) {
    if (transfer == null) {
      throw new InvalidRecordException("Stock transfer record without a value (key " + sku + ")");
    }
    List<String> errors = Stream.of(InputRules.text("saleId", transfer.getSaleId()),
            InputRules.between("units", transfer.getUnits(), 0, InputRules.MAX_STOCK),
            InputRules.between("requester", transfer.getRequester(), 0, Shards.MAX_SHARDS - 1))
        .filter(Objects::nonNull).toList();
    require("Stock transfer to " + transfer.getSaleId(), errors);
    return transfer;
  }

  static SaleEnd requireValidSaleEnd(String sku, SaleEnd end) {
    if (end == null) {
      throw new InvalidRecordException("Sale end record without a value (key " + sku + ")");
    }
    require("End of " + end.getSaleId(), InputRules.violations(end));
    requireKeyIsSku(sku, end.getSku());
    return end;
  }

  private static void require(String subject, List<String> violations) {
    if (!violations.isEmpty()) {
      throw new InvalidRecordException(subject + ": " + String.join("; ", violations));
    }
  }

  // A record keyed by another SKU sits in the wrong partition, where its sale's state does not live.
  private static void requireKeyIsSku(String key, String sku) {
    if (!sku.equals(key)) {
      throw new InvalidRecordException("Record key '" + key + "' is not its SKU '" + sku + "'");
    }
  }
}
