package io.flashsale.api.waitingroom;

import java.util.BitSet;

/**
 * The slots of a pre-queue of {@code args[0]} buyers, each computed on its own as an API instance does for a
 * poll; meant for a small heap. Exits 0 when every slot is taken exactly once, 1 otherwise, 2 on a crash.
 */
public final class QueueShuffleTenMillion {
  public static void main(String[] args) {
    try {
      int size = Integer.parseInt(args[0]);
      QueueOrder.Shuffle shuffle = new WaitingRoomSigner("a-secret-of-at-least-32-bytes-long!").shuffle("big-sale");
      BitSet taken = new BitSet(size);
      long started = System.nanoTime();
      for (long place = 0; place < size; place++) {
        int slot = (int) QueueOrder.slot(place, true, size, shuffle);
        if (taken.get(slot)) {
          System.out.println("slot " + slot + " given twice");
          System.exit(1);
        }
        taken.set(slot);
      }
      System.out.printf("RESULT %,d slots, each once, in %,d ms, max heap %,d MiB%n", size,
          (System.nanoTime() - started) / 1_000_000, Runtime.getRuntime().maxMemory() >> 20);
      System.exit(taken.cardinality() == size ? 0 : 1);
    } catch (Throwable e) {
      e.printStackTrace();
      System.exit(2);
    }
  }
}
