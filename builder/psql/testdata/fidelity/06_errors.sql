-- Errors: positions, DETAIL, HINT, CONTEXT, QUERY, and going on afterwards.
CREATE TABLE u (id int PRIMARY KEY, v text UNIQUE);
INSERT INTO u VALUES (1, 'a');
INSERT INTO u VALUES (2, 'a');
SELECT id,
       no_such_column
FROM u;
SELECT 1 +
  'abc'::int AS broken,
  3;
SELECT * FROM no_such_table;
SELECT lenght('x');
SELECT 1 FROM u WHERE id = 'x' ||
	'tabbed';
SELECT '漢字漢字' AS wide, missing_column FROM u;
SELECT 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' AS a, 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb' AS b, nope, 'cccccccccccccccccccccccccccccccc' AS c FROM u;
SELECT 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' AS a, 'bbbb' AS b, nope2 FROM u;
SELECT 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' AS a, nope4;
SELECT	nope_tab,	1 FROM u;
SELECT 'ñandú' AS x,
  'éé' || nope5;
SELECT nope3, 'cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc' AS c FROM u;
SELEC 1;
SELECT 1,

  2,


  nope7;
SELECT 'a

b' AS kept, nope8;
SELECT 'a'

, nope9;
SELECT /* c */

 nope10;
-- a comment line is not sent, so LINE counts from SELECT
  SELECT
    nope6;
SELECT 1/0 AS boom;
SELECT x, 10 / (3 - x) AS risky FROM generate_series(1, 5) AS x;
CREATE FUNCTION fails() RETURNS int LANGUAGE plpgsql AS $$
BEGIN
  RETURN (SELECT missing FROM u);
END
$$;
SELECT fails();
CREATE FUNCTION raises() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'custom failure %', 42 USING DETAIL = 'some detail', HINT = 'try again',
    ERRCODE = 'P0001';
END
$$;
SELECT raises();
DO $$ BEGIN PERFORM 1/0; END $$;
CREATE TABLE d (id int REFERENCES u (id) DEFERRABLE INITIALLY DEFERRED);
INSERT INTO d VALUES (99);
INSERT INTO u VALUES (NULL, 'n');
SELECT 'still running' AS after_errors;
SELECT 1 AS a
-- the statement ends at EOF-like garbage
, 2 AS b, zzz;
SELECT E'\x01bad' || nosuch;
SELECT 1 FROM u WHERE v = 'a' AND id = (SELECT 'x'::int);
SELECT :'undefined_var' AS u;
SELECT :undefined_plain AS p;
-- An unbalanced parenthesis: psql keeps reading until the end of input.
SELECT (1;
SELECT 'swallowed' AS s;
