-- What the sink writes from the Kafka log. The topology decides; these tables keep its decisions and
-- check the most important ones a second time: the constraints marked "guard" refuse a batch that would
-- oversell or record something twice, so such a bug stops the sink instead of entering the books.

-- Sales as defined, with the database's own count of units held and sold, kept from the outcomes.
CREATE TABLE sales (
  sale_id        text        PRIMARY KEY,
  sku            text        NOT NULL,
  name           text        NOT NULL,
  stock          integer     NOT NULL CHECK (stock > 0),
  per_user_limit integer     NOT NULL,
  price_cents    bigint      NOT NULL CHECK (price_cents >= 0),
  currency       text        NOT NULL,
  allocation     text        NOT NULL,
  starts_at      timestamptz NOT NULL,
  ends_at        timestamptz NOT NULL,
  hold_seconds   integer     NOT NULL,
  created_at     timestamptz NOT NULL,
  reserved       integer     NOT NULL DEFAULT 0 CHECK (reserved >= 0),
  confirmed      integer     NOT NULL DEFAULT 0 CHECK (confirmed >= 0),
  -- guard: no oversell. Units held plus units sold never exceed the stock.
  CONSTRAINT sales_no_oversell CHECK (reserved + confirmed <= stock)
);
-- A per-user limit would need a sum over a user's orders: not a CHECK. The topology enforces it alone.

-- One row per purchase request, in its latest state.
CREATE TABLE orders (
  request_id        text        PRIMARY KEY, -- guard: a request has one order, a second decision is refused
  sale_id           text        NOT NULL REFERENCES sales (sale_id),
  sku               text        NOT NULL,
  user_id           text        NOT NULL,
  quantity          integer     NOT NULL CHECK (quantity > 0),
  status            text        NOT NULL
                    CHECK (status IN ('ACCEPTED', 'REJECTED', 'CONFIRMED', 'EXPIRED', 'CANCELLED')),
  reason            text,
  decided_at        timestamptz NOT NULL, -- the first decision: ACCEPTED or REJECTED
  hold_expires_at   timestamptz,
  ended_at          timestamptz,          -- when the hold ended: CONFIRMED, EXPIRED or CANCELLED
  payment_id        text,
  amount_cents      bigint,
  currency          text,
  request_partition integer     NOT NULL, -- the request's place in its SKU's queue
  request_offset    bigint      NOT NULL,
  last_outcome_offset bigint    NOT NULL  -- offset in purchase-outcomes of the outcome that set this state
);
CREATE INDEX orders_by_sale ON orders (sale_id, status);

-- Every outcome record as read, the history behind orders. A decision about a sale the log never defined
-- (rejected as not live) is kept here only: without a sale there is no order.
CREATE TABLE order_events (
  topic           text        NOT NULL,
  kafka_partition integer     NOT NULL,
  kafka_offset    bigint      NOT NULL,
  request_id      text        NOT NULL,
  sale_id         text        NOT NULL,
  user_id         text        NOT NULL,
  quantity        integer     NOT NULL,
  status          text        NOT NULL,
  reason          text,
  decided_at      timestamptz NOT NULL,
  hold_expires_at timestamptz,
  payment_id      text,
  amount_cents    bigint,
  currency        text,
  recorded_at     timestamptz NOT NULL DEFAULT now(),
  -- guard: a record is applied once, even if it were read twice
  PRIMARY KEY (topic, kafka_partition, kafka_offset)
);
CREATE INDEX order_events_by_request ON order_events (request_id);

-- Verified webhooks of the payment provider; a redelivered event carries the same id.
CREATE TABLE payments (
  event_id     text        PRIMARY KEY, -- guard: a redelivered webhook is recorded once
  payment_id   text        NOT NULL,
  request_id   text        NOT NULL,
  sale_id      text        NOT NULL,
  sku          text        NOT NULL,
  type         text        NOT NULL,
  amount_cents bigint      NOT NULL CHECK (amount_cents >= 0),
  currency     text        NOT NULL,
  occurred_at  timestamptz NOT NULL,
  received_at  timestamptz NOT NULL
);
CREATE INDEX payments_by_payment ON payments (payment_id);
CREATE INDEX payments_by_request ON payments (request_id);

-- Charges the sale could not honour; refunded_at is set once the money went back.
CREATE TABLE refunds_due (
  payment_id   text        PRIMARY KEY, -- guard: one refund per charge
  request_id   text        NOT NULL,
  sale_id      text        NOT NULL,
  amount_cents bigint      NOT NULL CHECK (amount_cents >= 0),
  currency     text        NOT NULL,
  created_at   timestamptz NOT NULL,
  refunded_at  timestamptz
);

-- Where the sink goes on after a restart. Written in the transaction of the rows it covers, so rows and
-- position never disagree: Kafka's own consumer offsets are not used.
CREATE TABLE sink_offsets (
  consumer_group  text    NOT NULL,
  topic           text    NOT NULL,
  kafka_partition integer NOT NULL,
  next_offset     bigint  NOT NULL CHECK (next_offset >= 0),
  PRIMARY KEY (consumer_group, topic, kafka_partition)
);
