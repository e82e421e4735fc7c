package io.flashsale.payments;

import com.fasterxml.jackson.core.type.TypeReference;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Stripe's requests and answers as its API reference shows them, under {@code src/test/resources/stripe/}, and the
 * form bodies the adapter sends, decoded.
 */
final class StripeFixtures {
  static final String API_KEY = "sk_test_51FlashsaleStubKey";
  static final String WEBHOOK_SECRET = "whsec_test_flashsale0stub0endpoint0secret";

  private StripeFixtures() {}

  /** The fixture's text, byte for byte (webhook signatures are over the exact body). */
  static String text(String name) {
    try (InputStream in = StripeFixtures.class.getResourceAsStream("/stripe/" + name)) {
      if (in == null) {
        throw new IllegalArgumentException("No fixture stripe/" + name);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A fixture of form fields, as a JSON object of strings. */
  static Map<String, String> form(String name) {
    try {
      return ProviderJson.MAPPER.readValue(text(name), new TypeReference<LinkedHashMap<String, String>>() {});
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** An application/x-www-form-urlencoded body, decoded, in its order; a key sent twice fails. */
  static Map<String, String> decodeForm(String body) {
    Map<String, String> fields = new LinkedHashMap<>();
    for (String pair : body.split("&")) {
      String[] kv = pair.split("=", 2);
      String previous = fields.put(URLDecoder.decode(kv[0], StandardCharsets.UTF_8),
          kv.length == 2 ? URLDecoder.decode(kv[1], StandardCharsets.UTF_8) : "");
      if (previous != null) {
        throw new AssertionError("Form field " + kv[0] + " sent twice in " + body);
      }
    }
    return fields;
  }
}
