-- Every Unicode scalar value, to check widths and escapes against psql.
SELECT cp, chr(cp) AS c, 'x' AS z
FROM generate_series(1, 1114111) AS cp
WHERE cp NOT BETWEEN 55296 AND 57343
ORDER BY cp;
