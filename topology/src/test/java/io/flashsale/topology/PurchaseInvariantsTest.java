package io.flashsale.topology;

import static io.flashsale.topology.SaleTopologyDriver.NOW;
import static org.assertj.core.api.Assertions.assertThat;

import io.flashsale.schemas.OutcomeStatus;
import io.flashsale.schemas.PurchaseOutcome;
import io.flashsale.schemas.PurchaseRequest;
import io.flashsale.schemas.Sale;
import io.flashsale.schemas.StockLevel;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Random interleavings of sale definitions, purchases and retries against the whole topology: the
 * guarantees hold after every step, whatever the order.
 */
class PurchaseInvariantsTest {
  private static final List<String> SALE_IDS = List.of("sale-a", "sale-b", "sale-c");
  // Two sales share a SKU, so they share a partition and a task, as they would in production.
  private static final List<String> SKUS = List.of("SKU-1", "SKU-2", "SKU-1");

  sealed interface Step permits DefineSale, Purchase, Retry {}

  record DefineSale(int sale, int stock, int perUserLimit) implements Step {}

  record Purchase(int sale, int user, int quantity, boolean inWindow) implements Step {}

  /** Sends an earlier request again, byte for byte: {@code which} picks one of those sent so far. */
  record Retry(int which) implements Step {}

  @Property(tries = 100)
  void noOversellNoDoubleOutcomeLimitsHold(@ForAll("scenarios") List<Step> steps) {
    try (SaleTopologyDriver flashsale = new SaleTopologyDriver()) {
      KeyValueStore<String, StockLevel> stock = flashsale.driver.getKeyValueStore(SaleTopology.STOCK_STORE);
      Map<String, Sale> firstDefinitions = new HashMap<>();
      List<PurchaseRequest> sent = new ArrayList<>();
      Set<String> requestIds = new LinkedHashSet<>();
      Map<String, PurchaseOutcome> outcomes = new HashMap<>();
      int counter = 0;

      for (Step step : steps) {
        if (step instanceof DefineSale define) {
          Sale sale = Sale.newBuilder(SaleTopologyDriver.fcfsSale(SALE_IDS.get(define.sale()), SKUS.get(define.sale()),
              define.stock(), define.perUserLimit())).build();
          firstDefinitions.putIfAbsent(sale.getSaleId(), sale);
          flashsale.define(sale);
        } else if (step instanceof Purchase purchase) {
          PurchaseRequest request = SaleTopologyDriver.request("req-" + counter++, SALE_IDS.get(purchase.sale()),
              SKUS.get(purchase.sale()), "user-" + purchase.user(), purchase.quantity(),
              purchase.inWindow() ? NOW : NOW.minusSeconds(7200));
          sent.add(request);
          requestIds.add(request.getRequestId());
          flashsale.purchase(request);
        } else if (step instanceof Retry retry && !sent.isEmpty()) {
          flashsale.purchase(sent.get(retry.which() % sent.size()));
        }

        for (PurchaseOutcome outcome : flashsale.readOutcomes()) {
          assertThat(outcomes.put(outcome.getRequestId(), outcome)).as("second outcome for %s", outcome.getRequestId())
              .isNull();
        }
        for (Sale sale : firstDefinitions.values()) {
          StockLevel level = stock.get(sale.getSaleId());
          assertThat(level.getStock()).isEqualTo(sale.getStock());
          assertThat(level.getAvailable()).isNotNegative();
          assertThat(level.getReserved()).isNotNegative();
          assertThat(level.getConfirmed()).isNotNegative();
          assertThat(level.getAvailable() + level.getReserved() + level.getConfirmed()).isEqualTo(sale.getStock());
          assertThat(acceptedQuantity(outcomes, sale.getSaleId(), null)).isEqualTo(level.getReserved())
              .isLessThanOrEqualTo(sale.getStock());
        }
      }

      assertThat(outcomes.keySet()).as("every request decided once").isEqualTo(requestIds);
      for (Sale sale : firstDefinitions.values()) {
        for (int user = 0; user < 5; user++) {
          assertThat(acceptedQuantity(outcomes, sale.getSaleId(), "user-" + user))
              .isLessThanOrEqualTo(sale.getPerUserLimit());
        }
      }
    }
  }

  private static int acceptedQuantity(Map<String, PurchaseOutcome> outcomes, String saleId, String userIdOrAll) {
    return outcomes.values().stream()
        .filter(o -> o.getStatus() == OutcomeStatus.ACCEPTED && o.getSaleId().equals(saleId))
        .filter(o -> userIdOrAll == null || o.getUserId().equals(userIdOrAll))
        .mapToInt(PurchaseOutcome::getQuantity)
        .sum();
  }

  @Provide
  Arbitrary<List<Step>> scenarios() {
    Arbitrary<Integer> sale = Arbitraries.integers().between(0, SALE_IDS.size() - 1);
    Arbitrary<Step> define = Combinators.combine(sale, Arbitraries.integers().between(1, 8),
        Arbitraries.integers().between(1, 3)).as(DefineSale::new);
    Arbitrary<Step> purchase = Combinators.combine(sale, Arbitraries.integers().between(0, 4),
        Arbitraries.integers().between(1, 4), Arbitraries.of(true, true, true, false)).as(Purchase::new);
    Arbitrary<Step> retry = Arbitraries.integers().between(0, 1000).map(Retry::new);
    return Arbitraries.frequencyOf(Tuple.of(1, define), Tuple.of(6, purchase), Tuple.of(2, retry))
        .list().ofMinSize(1).ofMaxSize(60);
  }
}
