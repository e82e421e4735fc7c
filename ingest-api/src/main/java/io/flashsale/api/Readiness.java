package io.flashsale.api;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.DescribeConsumerGroupsOptions;
import org.apache.kafka.common.GroupState;

/**
 * Whether a purchase can be taken end to end: the broker answers, the topology's consumer group is
 * stable with members (asked of the broker, so no dependency on the topology's code), and the views
 * have read what was there when they started.
 */
final class Readiness {
  private static final Duration CHECK_TIMEOUT = Duration.ofSeconds(2);

  private final Admin admin;
  private final String topologyApplicationId;
  private final SaleView sales;
  private final PurchaseView purchases;

  Readiness(Admin admin, String topologyApplicationId, SaleView sales, PurchaseView purchases) {
    this.admin = admin;
    this.topologyApplicationId = topologyApplicationId;
    this.sales = sales;
    this.purchases = purchases;
  }

  /** Each check by name, true when it passed. */
  Map<String, Boolean> checks() {
    Map<String, Boolean> checks = new LinkedHashMap<>();
    checks.put("broker", brokerReachable());
    checks.put("topology", checks.get("broker") && topologyRunning());
    checks.put("salesView", sales.caughtUp());
    checks.put("purchaseView", purchases.caughtUp());
    return checks;
  }

  private boolean brokerReachable() {
    try {
      var options = new DescribeClusterOptions().timeoutMs((int) CHECK_TIMEOUT.toMillis());
      return !admin.describeCluster(options).nodes().get(CHECK_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).isEmpty();
    } catch (ExecutionException | TimeoutException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private boolean topologyRunning() {
    try {
      var options = new DescribeConsumerGroupsOptions().timeoutMs((int) CHECK_TIMEOUT.toMillis());
      ConsumerGroupDescription group = admin.describeConsumerGroups(List.of(topologyApplicationId), options)
          .describedGroups().get(topologyApplicationId).get(CHECK_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      return group.groupState() == GroupState.STABLE && !group.members().isEmpty();
    } catch (ExecutionException | TimeoutException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }
}
