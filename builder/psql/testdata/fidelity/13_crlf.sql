SELECT 1 AS a,
  current_query() AS q;
SELECT
  nope;
-- c
SELECT 2;
