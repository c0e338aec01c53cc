SELECT 1 AS a;
/* a block comment after the last statement */
