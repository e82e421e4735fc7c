-- The buyer's flow, from first contact to payment (header Flashsale-Flow): the id the request, its outcomes and its
-- payment's events carry. Null on rows of records written without one. The nightly job follows a discrepancy
-- through it to every step of its buyer's flow.
ALTER TABLE orders ADD COLUMN flow_id text;
ALTER TABLE order_events ADD COLUMN flow_id text;
ALTER TABLE payments ADD COLUMN flow_id text;
CREATE INDEX orders_by_flow ON orders (flow_id) WHERE flow_id IS NOT NULL;
CREATE INDEX order_events_by_flow ON order_events (flow_id) WHERE flow_id IS NOT NULL;
CREATE INDEX payments_by_flow ON payments (flow_id) WHERE flow_id IS NOT NULL;

-- The flow each discrepancy belongs to, and the steps of those flows as a run found them, in the run's report.
ALTER TABLE reconciliation_discrepancies ADD COLUMN flow_id text;
CREATE TABLE reconciliation_flow_steps (
  run_id     text        NOT NULL REFERENCES reconciliation_runs (run_id),
  flow_id    text        NOT NULL,
  step_no    integer     NOT NULL, -- 1, 2, 3... in the order of the steps' times
  step       text        NOT NULL  -- QUEUE_JOIN, PURCHASE_REQUEST, OUTCOME, CHECKOUT, PAYMENT
             CHECK (step IN ('QUEUE_JOIN', 'PURCHASE_REQUEST', 'OUTCOME', 'CHECKOUT', 'PAYMENT')),
  at         timestamptz NOT NULL,
  source     text        NOT NULL, -- where the step was read: log, database or provider
  sale_id    text,
  request_id text,
  payment_id text,
  detail     text,                 -- what happened: an outcome's status, a payment's type and amount
  PRIMARY KEY (run_id, flow_id, step_no)
);
