package io.flashsale.topology;

import io.flashsale.schemas.HoldCancellation;
import io.flashsale.schemas.PaymentEvent;
import io.flashsale.schemas.PurchaseBatch;
import io.flashsale.schemas.PurchaseRequest;
import io.flashsale.schemas.Sale;

/** The rules an input record must pass before it may change any state. */
final class Validation {
  private Validation() {}

  static Sale requireValidSale(String sku, Sale sale) {
    if (sale == null) {
      throw new InvalidRecordException("Sale record without a value (key " + sku + ")");
    }
    requireId("saleId", sale.getSaleId());
    requireId("sku", sale.getSku());
    requireKeyIsSku(sku, sale.getSku());
    if (sale.getStock() < 1) {
      throw new InvalidRecordException("Sale " + sale.getSaleId() + " has stock " + sale.getStock() + ", needs at least 1");
    }
    if (sale.getPerUserLimit() < 1) {
      throw new InvalidRecordException("Sale " + sale.getSaleId() + " has perUserLimit " + sale.getPerUserLimit());
    }
    if (sale.getHoldSeconds() < 1) {
      throw new InvalidRecordException("Sale " + sale.getSaleId() + " has holdSeconds " + sale.getHoldSeconds());
    }
    if (!sale.getEndsAt().isAfter(sale.getStartsAt())) {
      throw new InvalidRecordException("Sale " + sale.getSaleId() + " ends at or before it starts");
    }
    return sale;
  }

  /** The envelope of a batch; its requests are checked one by one, so that one bad request spoils only itself. */
  static PurchaseBatch requireValidBatch(String sku, PurchaseBatch batch) {
    if (batch == null) {
      throw new InvalidRecordException("Purchase request record without a value (key " + sku + ")");
    }
    requireId("sku", batch.getSku());
    requireKeyIsSku(sku, batch.getSku());
    return batch;
  }

  static PurchaseRequest requireValidPurchase(String sku, PurchaseRequest request) {
    if (request == null) {
      throw new InvalidRecordException("Purchase request record without a value (key " + sku + ")");
    }
    requireId("requestId", request.getRequestId());
    requireId("saleId", request.getSaleId());
    requireId("sku", request.getSku());
    requireId("userId", request.getUserId());
    requireKeyIsSku(sku, request.getSku());
    if (request.getQuantity() < 1) {
      throw new InvalidRecordException("Request " + request.getRequestId() + " has quantity " + request.getQuantity());
    }
    return request;
  }

  static PaymentEvent requireValidPaymentEvent(String sku, PaymentEvent event) {
    if (event == null) {
      throw new InvalidRecordException("Payment event record without a value (key " + sku + ")");
    }
    requireId("eventId", event.getEventId());
    requireId("paymentId", event.getPaymentId());
    requireId("requestId", event.getRequestId());
    requireId("saleId", event.getSaleId());
    requireId("sku", event.getSku());
    requireId("currency", event.getCurrency());
    requireKeyIsSku(sku, event.getSku());
    if (event.getAmountCents() < 0) {
      throw new InvalidRecordException("Payment event " + event.getEventId() + " has amount " + event.getAmountCents());
    }
    return event;
  }

  static HoldCancellation requireValidCancellation(String sku, HoldCancellation cancellation) {
    if (cancellation == null) {
      throw new InvalidRecordException("Hold cancellation record without a value (key " + sku + ")");
    }
    requireId("requestId", cancellation.getRequestId());
    requireId("saleId", cancellation.getSaleId());
    requireId("sku", cancellation.getSku());
    requireId("userId", cancellation.getUserId());
    requireKeyIsSku(sku, cancellation.getSku());
    return cancellation;
  }

  // Control characters are refused because ids are joined with one of them in store keys (see StoreKeys).
  private static void requireId(String field, String value) {
    if (value == null || value.isBlank() || hasControlCharacter(value)) {
      throw new InvalidRecordException(field + " must be non-blank printable text, was '" + value + "'");
    }
  }

  // A plain loop: four ids of every request pass here, and a stream per id showed in the profile.
  private static boolean hasControlCharacter(String value) {
    for (int i = 0; i < value.length(); i++) {
      if (Character.isISOControl(value.charAt(i))) {
        return true;
      }
    }
    return false;
  }

  // A record keyed by another SKU sits in the wrong partition, where its sale's state does not live.
  private static void requireKeyIsSku(String key, String sku) {
    if (!sku.equals(key)) {
      throw new InvalidRecordException("Record key '" + key + "' is not its SKU '" + sku + "'");
    }
  }
}
