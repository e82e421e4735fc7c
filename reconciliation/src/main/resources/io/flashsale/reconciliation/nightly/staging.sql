-- What the reconciliation reads from the log and from the provider, staged in the database so that the
-- comparisons run there, set against set, and a day of any size never has to fit in the job's memory.
-- Temporary tables: private to the run's session and gone when it ends.
CREATE TEMP TABLE log_outcomes (
  kafka_partition integer     NOT NULL,
  kafka_offset    bigint      NOT NULL,
  logged_at       timestamptz NOT NULL,
  request_id      text        NOT NULL,
  sale_id         text        NOT NULL,
  user_id         text        NOT NULL,
  quantity        integer     NOT NULL,
  status          text        NOT NULL,
  payment_id      text,
  amount_cents    bigint,
  currency        text,
  flow_id         text,
  request_partition integer,    -- where its request is in purchase-requests, to follow its flow
  request_offset  bigint
);
CREATE TEMP TABLE log_payments (
  kafka_partition integer     NOT NULL,
  kafka_offset    bigint      NOT NULL,
  logged_at       timestamptz NOT NULL,
  event_id        text        NOT NULL,
  payment_id      text        NOT NULL,
  request_id      text        NOT NULL,
  sale_id         text        NOT NULL,
  type            text        NOT NULL,
  amount_cents    bigint      NOT NULL,
  currency        text        NOT NULL,
  flow_id         text,
  order_id        text         -- the order whose payment this item is, or null for a purchase paid alone
);
-- The latest stock level of each sale in the log (its topic is compacted by sale).
CREATE TEMP TABLE log_stock_levels (
  sale_id    text        PRIMARY KEY,
  stock      integer     NOT NULL,
  available  integer     NOT NULL,
  reserved   integer     NOT NULL,
  confirmed  integer     NOT NULL,
  updated_at timestamptz NOT NULL,
  levels     integer     NOT NULL  -- how many levels were summed: the sale's shards, or 1
);
CREATE TEMP TABLE provider_settlements (
  settlement_id text        NOT NULL,
  payment_id    text        NOT NULL,
  request_id    text        NOT NULL,
  type          text        NOT NULL,
  amount_cents  bigint      NOT NULL,
  currency      text        NOT NULL,
  settled_at    timestamptz NOT NULL,
  order_id      text         -- an order's payment: one settlement for several purchases (request_id is the order's id)
);
-- The sink's position per partition when the log was read: what lies before it must be in the database.
CREATE TEMP TABLE sink_position (
  topic           text    NOT NULL,
  kafka_partition integer NOT NULL,
  next_offset     bigint  NOT NULL,
  PRIMARY KEY (topic, kafka_partition)
);
