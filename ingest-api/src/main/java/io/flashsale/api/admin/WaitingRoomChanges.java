package io.flashsale.api.admin;

import io.flashsale.api.http.ErrorCode;
import io.flashsale.api.http.JsonBodies;
import io.flashsale.api.http.Problem;
import io.flashsale.api.log.TopicWriter;
import io.flashsale.api.sale.ProofOfWorkBits;
import io.flashsale.api.waitingroom.WaitingRooms;
import io.flashsale.schemas.InputRules;
import io.flashsale.schemas.Sale;
import io.flashsale.schemas.Topics;
import io.flashsale.schemas.WaitingRoomChange;
import io.javalin.http.Context;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The admin's route of a waiting room: its admission rate, difficulty and the threshold of the difficulty's rise. */
public final class WaitingRoomChanges {
  /** The most joins per second a threshold may name: above the most a waiting room admits in a second. */
  static final int MAX_RISE_ABOVE = 1_000_000;

  record WaitingRoomPatch(Integer admitPerSecond, Integer proofOfWorkBits, Integer proofOfWorkRiseAbove) {}

  private final JsonBodies bodies;
  private final TopicWriter writer;
  private final Topics topics;
  private final WaitingRooms state;
  private final AdminAudit audit;
  private final Clock clock;

  public WaitingRoomChanges(JsonBodies bodies, TopicWriter writer, Topics topics, WaitingRooms state, AdminAudit audit,
                            Clock clock) {
    this.bodies = bodies;
    this.writer = writer;
    this.topics = topics;
    this.state = state;
    this.audit = audit;
    this.clock = clock;
  }

  /**
   * PATCH /api/admin/sales/{saleId}/waiting-room: a new admission rate, difficulty or threshold of the difficulty's
   * rise, from now on. Only the fields sent are written: the views merge a sale's changes field by field in the log's
   * order, so a change through another instance that has not seen this one yet never undoes it.
   */
  public void change(Context ctx) {
    Sale sale = state.saleWithRoom(ctx.pathParam("saleId"));
    WaitingRoomPatch patch = bodies.read(ctx, WaitingRoomPatch.class);
    List<String> errors = new ArrayList<>();
    if (patch.admitPerSecond() == null && patch.proofOfWorkBits() == null && patch.proofOfWorkRiseAbove() == null) {
      errors.add("admitPerSecond, proofOfWorkBits or proofOfWorkRiseAbove is required");
    }
    if (patch.admitPerSecond() != null) {
      add(errors, InputRules.between("admitPerSecond", patch.admitPerSecond(), 1, InputRules.MAX_ADMIT_PER_SECOND));
    }
    if (patch.proofOfWorkBits() != null) {
      add(errors, ProofOfWorkBits.invalid("proofOfWorkBits", patch.proofOfWorkBits(), InputRules.MAX_PROOF_OF_WORK_BITS));
    }
    if (patch.proofOfWorkRiseAbove() != null) {
      add(errors, InputRules.between("proofOfWorkRiseAbove", patch.proofOfWorkRiseAbove(), 0, MAX_RISE_ABOVE));
    }
    if (!errors.isEmpty()) {
      throw new Problem(ErrorCode.VALIDATION, String.join("; ", errors));
    }
    WaitingRoomChange change = new WaitingRoomChange(sale.getSaleId(), patch.admitPerSecond(), patch.proofOfWorkBits(),
        patch.proofOfWorkRiseAbove());
    Map<String, String> audited = AdminAudit.fields("admitPerSecond", patch.admitPerSecond(),
        "proofOfWorkBits", patch.proofOfWorkBits(), "proofOfWorkRiseAbove", patch.proofOfWorkRiseAbove());
    ctx.future(() -> audit.after(ctx, sale.getSaleId(), audited,
        writer.write(topics.waitingRoomChanges, sale.getSaleId(), change).thenAccept(written -> {
          // The room as this instance knows it, with what was just sent: a change through another instance that
          // this one has not read yet is not shown here, and is not undone either.
          WaitingRooms.Settings known = state.settings(sale, clock.instant());
          ctx.json(new WaitingRooms.Settings(patch.admitPerSecond() != null ? patch.admitPerSecond() : known.admitPerSecond(),
              patch.proofOfWorkBits() != null ? patch.proofOfWorkBits() : known.proofOfWorkBits(),
              patch.proofOfWorkRiseAbove() != null ? patch.proofOfWorkRiseAbove() : known.proofOfWorkRiseAbove()));
        })));
  }

  private static void add(List<String> errors, String error) {
    if (error != null) {
      errors.add(error);
    }
  }
}
