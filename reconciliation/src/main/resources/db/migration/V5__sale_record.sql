-- The sale as the retailer defined it, beside its counters: the description and the price before the sale (seed
-- 003's data model). Nullable, as both are optional; no CHECK against price_cents: the API and the topology refuse
-- an original price at or below the sale's (InputRules), and a row the sink cannot write would stop the books.
ALTER TABLE sales
  ADD COLUMN description          text,
  ADD COLUMN original_price_cents bigint;
