-- A buyer's order: one payment at the provider for several purchases, possibly of several sales. Its webhook is
-- written to the log as one payment event per item (each with the item's own amount), and each item ends on its
-- own: confirmed, or owed back alone. The link from a payment event to its order is kept, so that the nightly
-- job matches the provider's one settlement of an order against the sum of its items.
ALTER TABLE payments ADD COLUMN order_id text;
CREATE INDEX payments_by_order ON payments (order_id) WHERE order_id IS NOT NULL;

-- One refund owed per purchase a payment paid (guard): an order's payment may owe back several of its items, each
-- once. A payment of one purchase owes at most one refund, as before.
ALTER TABLE refunds_due DROP CONSTRAINT refunds_due_pkey;
ALTER TABLE refunds_due ADD PRIMARY KEY (payment_id, request_id);
