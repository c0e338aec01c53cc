SELECT 1 AS a;
-- only a comment after the last statement
