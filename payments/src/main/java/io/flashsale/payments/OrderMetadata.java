package io.flashsale.payments;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An order's items in a provider's metadata, which holds flat strings only (Stripe: at most 50 keys, values of at
 * most 500 characters): one key per item, {@code item0}, {@code item1}..., each "requestId saleId sku amountCents",
 * each part URL-encoded (a SKU may hold spaces). An item of a 36-character request id, a 67-character shard's sale id
 * and an ASCII SKU of up to 256 characters stays inside 500; 20 items and the order's own keys stay inside 50.
 */
final class OrderMetadata {
  private static final String PREFIX = "item";

  /** Stripe's most characters of a metadata value. */
  private static final int MAX_VALUE_LENGTH = 500;

  private OrderMetadata() {}

  private static String encode(String text) {
    return URLEncoder.encode(text, StandardCharsets.UTF_8);
  }

  private static String decode(String text) {
    return URLDecoder.decode(text, StandardCharsets.UTF_8);
  }

  static Map<String, String> items(List<PaymentProvider.Item> items) {
    Map<String, String> metadata = new LinkedHashMap<>();
    for (int i = 0; i < items.size(); i++) {
      PaymentProvider.Item item = items.get(i);
      String value = encode(item.requestId()) + " " + encode(item.saleId()) + " " + encode(item.sku()) + " "
          + item.amountCents();
      if (value.length() > MAX_VALUE_LENGTH) {
        throw new IllegalArgumentException("Order item " + item.requestId() + " is too long for the provider's metadata");
      }
      metadata.put(PREFIX + i, value);
    }
    return metadata;
  }

  /** The items in {@code metadata}, in order, or null if it names none. IllegalArgumentException if malformed. */
  static List<PaymentProvider.Item> items(JsonNode metadata) {
    List<PaymentProvider.Item> items = new ArrayList<>();
    for (int i = 0; metadata.path(PREFIX + i).isTextual(); i++) {
      String[] parts = metadata.path(PREFIX + i).asText().split(" ");
      if (parts.length != 4 || !parts[3].matches("[0-9]{1,13}")) {
        throw new IllegalArgumentException("Malformed order item in metadata: " + PREFIX + i);
      }
      items.add(new PaymentProvider.Item(decode(parts[0]), decode(parts[1]), decode(parts[2]),
          Long.parseLong(parts[3])));
    }
    return items.isEmpty() ? null : List.copyOf(items);
  }
}
