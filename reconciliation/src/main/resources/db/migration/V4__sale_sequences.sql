-- The books apply a sale's outcomes in the order the topology decided them, whatever the partitions of
-- purchase-outcomes (keyed by request) they arrive on: each outcome carries its place among its sale's outcomes
-- (saleSequence, 1, 2, 3... per outcome.saleId, a sale or one stock shard saleId~i). Both tables are written in
-- the transaction of the rows and positions they go with, so a crash loses or keeps them together.

-- The last sequence applied per sale (or shard): the next outcome applied is the one after it.
CREATE TABLE sink_sale_sequences (
  sequence_key text   PRIMARY KEY, -- outcome.saleId as decided: a sale, or a shard saleId~i
  applied      bigint NOT NULL CHECK (applied >= 0)
);

-- Outcomes read ahead of a gap in their sale's sequence, as read (the record's bytes and position), until the
-- outcomes before them are in. A row that stays here names a sequence the sink never read: the nightly job
-- reports it (OUTCOME_STALLED).
CREATE TABLE sink_pending_outcomes (
  sequence_key      text        NOT NULL,
  sale_sequence     bigint      NOT NULL,
  sale_id           text        NOT NULL, -- the sale as the books keep it
  request_id        text        NOT NULL,
  status            text        NOT NULL,
  outcome_partition integer     NOT NULL, -- where it is recorded in purchase-outcomes (a replay: its source)
  outcome_offset    bigint      NOT NULL,
  topic             text        NOT NULL, -- the record as read: purchase-outcomes, or a replay's corrections
  kafka_partition   integer     NOT NULL,
  kafka_offset      bigint      NOT NULL,
  record_key        bytea,
  record_value      bytea,
  record_timestamp  timestamptz,
  staged_at         timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (sequence_key, sale_sequence)
);
CREATE INDEX sink_pending_outcomes_by_position ON sink_pending_outcomes (outcome_partition, outcome_offset);

-- A sharded sale's row sums its shards, each applied in its own order; shards move stock between them with
-- transfers the books do not read, so one shard may be further on than another and the sum of a moment is no
-- state the topology was ever in. The no-oversell guard stays whole for every sale of one shard; a sharded
-- sale's sum is judged by the nightly job against its shards' stock levels.
ALTER TABLE sales ADD COLUMN shards integer NOT NULL DEFAULT 1 CHECK (shards >= 1);
ALTER TABLE sales DROP CONSTRAINT sales_no_oversell;
ALTER TABLE sales ADD CONSTRAINT sales_no_oversell CHECK (shards > 1 OR reserved + confirmed <= stock);

-- A quarantined record handed to the sink again (`reconcile replay-quarantine`) once its cause was fixed.
ALTER TABLE sink_quarantine ADD COLUMN replay_correction_id text, ADD COLUMN replayed_at timestamptz;
