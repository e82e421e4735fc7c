package io.flashsale.topology;

import io.flashsale.schemas.DrawSeed;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Stores the secret seeds of lottery draws by sale and seed hash. The API writes a seed before it claims the sale id,
 * so a claimant that loses leaves a seed whose hash no sale names: the draw takes the seed whose hash its sale
 * published, and only that one.
 */
final class SeedProcessor implements Processor<String, DrawSeed, Void, Void> {
  private KeyValueStore<String, String> seeds;

  @Override
  public void init(ProcessorContext<Void, Void> context) {
    seeds = context.getStateStore(SaleTopology.DRAW_SEEDS_STORE);
  }

  @Override
  public void process(Record<String, DrawSeed> record) {
    DrawSeed seed = Validation.requireValidSeed(record.key(), record.value());
    seeds.putIfAbsent(StoreKeys.saleScoped(seed.getSaleId(), LotteryRules.seedHash(seed.getSeed())), seed.getSeed());
  }
}
