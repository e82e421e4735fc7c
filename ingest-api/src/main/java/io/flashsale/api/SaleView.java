package io.flashsale.api;

import io.flashsale.schemas.Sale;
import io.flashsale.schemas.StockLevel;
import io.flashsale.schemas.Topics;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/** Every sale and its latest stock level, read from {@code sales} and {@code stock-levels}. */
public final class SaleView extends TopicView {
  private final Topics topics;
  private final Map<String, Sale> sales = new ConcurrentHashMap<>();
  private final Map<String, StockLevel> stockLevels = new ConcurrentHashMap<>();

  SaleView(String bootstrapServers, Topics topics) {
    super("sales", bootstrapServers, List.of(Topics.SALES, Topics.STOCK_LEVELS));
    this.topics = topics;
  }

  public Optional<Sale> sale(String saleId) {
    return Optional.ofNullable(sales.get(saleId));
  }

  /** The topology's latest counters of the sale; empty until it has decided something. */
  public Optional<StockLevel> stockLevel(String saleId) {
    return Optional.ofNullable(stockLevels.get(saleId));
  }

  /** Units neither reserved nor sold: the stock itself until the topology says otherwise. */
  public int available(Sale sale) {
    return stockLevel(sale.getSaleId()).map(StockLevel::getAvailable).orElse(sale.getStock());
  }

  /** Records a sale this instance just published, so that it answers for it before the view reads it back. */
  void published(Sale sale) {
    sales.putIfAbsent(sale.getSaleId(), sale);
  }

  @Override
  protected void apply(ConsumerRecord<byte[], byte[]> record) {
    if (record.value() == null) {
      return;
    }
    if (record.topic().equals(Topics.SALES)) {
      Sale sale = topics.sales.valueSerde().deserializer().deserialize(record.topic(), record.value());
      sales.putIfAbsent(sale.getSaleId(), sale); // the first definition of a sale id wins, as in the topology
    } else {
      StockLevel level = topics.stockLevels.valueSerde().deserializer().deserialize(record.topic(), record.value());
      stockLevels.put(level.getSaleId(), level);
    }
  }
}
