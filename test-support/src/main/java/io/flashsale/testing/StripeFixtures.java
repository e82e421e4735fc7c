package io.flashsale.testing;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Stripe's requests and answers as its API reference shows them, under {@code stripe/} in this module's resources
 * (events under {@code events/}, answers with {@code ${name}} placeholders under {@code templates/}), and the form
 * bodies the adapters send, decoded.
 */
public final class StripeFixtures {
  private static final ObjectMapper JSON = new ObjectMapper();

  private StripeFixtures() {}

  /** The fixture's text, byte for byte (webhook signatures are over the exact body). */
  public static String text(String name) {
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
  public static Map<String, String> form(String name) {
    try {
      return JSON.readValue(text(name), new TypeReference<LinkedHashMap<String, String>>() {});
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A template under {@code templates/} with its {@code ${name}} placeholders filled; one left unfilled fails. */
  public static String template(String name, Map<String, String> values) {
    String text = text("templates/" + name);
    for (Map.Entry<String, String> value : values.entrySet()) {
      text = text.replace("${" + value.getKey() + "}", value.getValue());
    }
    if (text.contains("${")) {
      throw new AssertionError("Template stripe/templates/" + name + " left unfilled: " + text);
    }
    return text;
  }

  /**
   * A fixture object with some of its top-level fields replaced (Stripe's example with this test's ids and
   * amounts); a field the fixture does not have fails, so that a renamed field is not added beside the old one.
   */
  public static String withFields(String name, Map<String, ?> fields) {
    try {
      ObjectNode object = (ObjectNode) JSON.readTree(text(name));
      for (Map.Entry<String, ?> field : fields.entrySet()) {
        if (!object.has(field.getKey())) {
          throw new AssertionError("Fixture stripe/" + name + " has no field " + field.getKey());
        }
        object.set(field.getKey(), JSON.valueToTree(field.getValue()));
      }
      return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(object);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** An application/x-www-form-urlencoded body, decoded, in its order; a key sent twice fails. */
  public static Map<String, String> decodeForm(String body) {
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
