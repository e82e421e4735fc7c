-- The nightly reconciliation: each run, what it found, and the corrections it made on its own.

CREATE TABLE reconciliation_runs (
  run_id          text        PRIMARY KEY,
  day             date        NOT NULL,
  started_at      timestamptz NOT NULL,
  finished_at     timestamptz,
  -- CLEAN: nothing found; CORRECTED: all found was corrected by this run; NOTHING_NEW: all found had been
  -- corrected by an earlier run, whose effect is still on its way; NEEDS_PERSON: see the discrepancies
  status          text        NOT NULL
                  CHECK (status IN ('RUNNING', 'CLEAN', 'CORRECTED', 'NOTHING_NEW', 'NEEDS_PERSON', 'FAILED')),
  summary         jsonb,      -- what each party held for the day, the sink's lag, counts by class
  report_dir      text
);
CREATE INDEX reconciliation_runs_by_day ON reconciliation_runs (day, started_at);

CREATE TABLE reconciliation_discrepancies (
  run_id            text  NOT NULL REFERENCES reconciliation_runs (run_id),
  class             text  NOT NULL,
  subject           text  NOT NULL, -- what it is about: a payment id, a log position or a sale id
  sale_id           text,
  request_id        text,
  payment_id        text,
  -- CORRECTED by this run, ALREADY_CORRECTED by an earlier one (correction_id says which), or NEEDS_PERSON
  action            text  NOT NULL DEFAULT 'NEEDS_PERSON'
                    CHECK (action IN ('CORRECTED', 'ALREADY_CORRECTED', 'NEEDS_PERSON')),
  correction_id     text,
  log_evidence      jsonb,          -- what each party says
  database_evidence jsonb,
  provider_evidence jsonb,
  PRIMARY KEY (run_id, class, subject)
);

CREATE TABLE reconciliation_corrections (
  correction_id text        PRIMARY KEY, -- guard: a correction is made once, however often a day is rerun
  kind          text        NOT NULL,
  discrepancy   text        NOT NULL,
  day           date        NOT NULL,
  run_id        text        NOT NULL REFERENCES reconciliation_runs (run_id),
  made_at       timestamptz NOT NULL,
  sale_id       text,
  request_id    text,
  payment_id    text,
  amount_cents  bigint,
  currency      text
);

-- Settlements name payments; the reconciliation looks orders up by them.
CREATE INDEX orders_by_payment ON orders (payment_id) WHERE payment_id IS NOT NULL;
