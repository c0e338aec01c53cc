SELECT 1 AS a;
SELECT current_query() AS q;
