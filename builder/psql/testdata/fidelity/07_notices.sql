-- Notices, warnings and info go to the same stream, before the result.
DO $$BEGIN RAISE NOTICE 'plain notice'; END$$;
DO $$BEGIN RAISE NOTICE 'with % and %', 1, 'two'; RAISE WARNING 'a warning'; RAISE INFO 'some info'; END$$;
DO $$BEGIN RAISE NOTICE 'notice with extras' USING DETAIL = 'the detail', HINT = 'the hint'; END$$;
DO $$BEGIN RAISE LOG 'not shown'; RAISE DEBUG 'not shown either'; END$$;
DO $$BEGIN RAISE NOTICE E'multi\nline\tnotice'; END$$;
CREATE FUNCTION noisy(n int) RETURNS int LANGUAGE plpgsql AS $$
BEGIN
  RAISE NOTICE 'row %', n;
  RETURN n * 10;
END
$$;
SELECT noisy(x) AS v FROM generate_series(1, 3) AS x;
DROP TABLE IF EXISTS not_there;
COMMIT;
ROLLBACK;
SET LOCAL work_mem = '1MB';
CREATE TABLE IF NOT EXISTS t (a int);
CREATE TABLE IF NOT EXISTS t (a int);
INSERT INTO t SELECT noisy(5) RETURNING a;
SELECT 'done' AS status;
