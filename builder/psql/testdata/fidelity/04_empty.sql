-- Empty results, zero columns, NULL versus empty string.
CREATE TABLE empty_t (a int, b text);
SELECT * FROM empty_t;
SELECT a FROM empty_t WHERE false;
SELECT;
SELECT FROM generate_series(1, 3);
SELECT FROM empty_t;
INSERT INTO empty_t VALUES (1, NULL), (NULL, ''), (3, 'x');
SELECT * FROM empty_t ORDER BY a NULLS FIRST;
SELECT b, a FROM empty_t ORDER BY a;
SELECT count(*) FROM empty_t;
