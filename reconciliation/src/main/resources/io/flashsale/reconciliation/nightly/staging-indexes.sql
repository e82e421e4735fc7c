-- Built once the rows are in (faster than keeping them up while copying), then the planner is told the sizes:
-- temporary tables are never analysed on their own.
CREATE INDEX ON log_outcomes (request_id);
CREATE INDEX ON log_outcomes (payment_id) WHERE payment_id IS NOT NULL;
CREATE INDEX ON log_payments (payment_id);
CREATE INDEX ON log_outcomes (flow_id) WHERE flow_id IS NOT NULL;
CREATE INDEX ON log_payments (flow_id) WHERE flow_id IS NOT NULL;
CREATE INDEX ON provider_settlements (payment_id);
CREATE INDEX ON provider_settlements (request_id);
ANALYZE log_outcomes;
ANALYZE log_payments;
ANALYZE log_stock_levels;
ANALYZE provider_settlements;
ANALYZE sink_position;
