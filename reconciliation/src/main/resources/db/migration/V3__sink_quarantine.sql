-- Records the sink cannot write because of what they hold: bytes that are not a value of their topic, or a
-- row the database refuses (a data exception such as a NUL in a text, or a broken constraint, the guards of
-- V1 included). Each is set aside here with its evidence, in the transaction that moves the sink's position
-- past it, so it is set aside exactly once and the records after it go on into the books. A failure of the
-- database itself is never a reason to set a record aside: the sink retries it.
CREATE TABLE sink_quarantine (
  topic            text        NOT NULL,
  kafka_partition  integer     NOT NULL,
  kafka_offset     bigint      NOT NULL,
  consumer_group   text        NOT NULL,
  record_key       bytea,               -- the record's bytes as read, for a person or a replay
  record_value     bytea,
  record_timestamp timestamptz,
  error_class      text        NOT NULL, -- what refused it: the decoder's or the database's exception
  sql_state        text,                 -- the database's code, when the database refused it
  error_message    text,
  quarantined_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (topic, kafka_partition, kafka_offset)
);

-- The sink instance that last moved a position. A sink whose COMMIT went unanswered reads its positions
-- again: one that moved under its own name is its own commit that landed, one under another is another sink.
ALTER TABLE sink_offsets ADD COLUMN written_by text;
