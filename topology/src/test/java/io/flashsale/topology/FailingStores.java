package io.flashsale.topology;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.errors.ProcessorStateException;
import org.apache.kafka.streams.state.KeyValueBytesStoreSupplier;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;

/**
 * Persistent stores of which one fails: its n-th writes (counted across every instance of it, restored ones
 * included) throw as a full disk or a broken RocksDB would. Restoring from the changelog writes too, so the
 * count goes on across a task's restarts; each fault strikes once.
 */
final class FailingStores implements Function<String, KeyValueBytesStoreSupplier> {
  private final String failing;
  private final Set<Integer> faults;
  private final AtomicInteger writes = new AtomicInteger();
  private final AtomicInteger struck = new AtomicInteger();

  FailingStores(String failing, Set<Integer> faults) {
    this.failing = failing;
    this.faults = faults;
  }

  /** How many faults struck so far. */
  int struck() {
    return struck.get();
  }

  @Override
  public KeyValueBytesStoreSupplier apply(String name) {
    KeyValueBytesStoreSupplier real = Stores.persistentKeyValueStore(name);
    if (!name.equals(failing)) {
      return real;
    }
    return new KeyValueBytesStoreSupplier() {
      @Override
      public String name() {
        return real.name();
      }

      @Override
      public KeyValueStore<Bytes, byte[]> get() {
        return failing(real.get());
      }

      @Override
      public String metricsScope() {
        return real.metricsScope();
      }
    };
  }

  @SuppressWarnings("unchecked")
  private KeyValueStore<Bytes, byte[]> failing(KeyValueStore<Bytes, byte[]> store) {
    return (KeyValueStore<Bytes, byte[]>) Proxy.newProxyInstance(KeyValueStore.class.getClassLoader(),
        new Class<?>[] {KeyValueStore.class}, (proxy, method, args) -> {
          if ((method.getName().equals("put") || method.getName().equals("putAll"))
              && faults.contains(writes.incrementAndGet())) {
            struck.incrementAndGet();
            throw new ProcessorStateException("Injected fault on write " + writes.get() + " to " + failing);
          }
          try {
            return method.invoke(store, args);
          } catch (InvocationTargetException e) {
            throw e.getCause();
          }
        });
  }
}
