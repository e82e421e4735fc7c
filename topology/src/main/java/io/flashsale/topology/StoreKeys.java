package io.flashsale.topology;

/**
 * Keys of stores that hold several entries per sale: the saleId, a separator, then the entry's own id.
 * The separator is the ASCII unit separator, which {@link Validation} refuses in ids, so the prefix of
 * one sale never matches the keys of another and a prefix range scan finds exactly one sale's entries.
 */
final class StoreKeys {
  static final char SEPARATOR = '\u001F';

  private StoreKeys() {}

  static String saleScoped(String saleId, String id) {
    return saleId + SEPARATOR + id;
  }

  static String salePrefix(String saleId) {
    return saleId + SEPARATOR;
  }
}
