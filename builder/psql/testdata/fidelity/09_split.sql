/* A leading block comment, /* nested */ still a comment; with a semicolon */
-- A line comment; with a semicolon
SELECT 1 AS one; SELECT 2 AS two;
SELECT 1 AS first; /* between */ SELECT current_query() AS second; -- after
;
;;
SELECT current_query() AS sent -- trailing comment; not a separator
;
   /* comment before */ SELECT current_query() AS sent2;
SELECT 'semi;colon' AS s, "weird;name".x AS w
FROM (SELECT 3 AS x) AS "weird;name";
SELECT E'it\'s; escaped' AS e, 'it''s; doubled' AS d, U&'\0041;' AS u;
SELECT $$dollar; quoted$$ AS d1, $tag$with $$ inside; $tag$ AS d2, $a$x$b$;y$a$ AS d3;
CREATE FUNCTION body_semis() RETURNS text LANGUAGE plpgsql AS $body$
DECLARE
  r text := 'a;b';
BEGIN
  -- a comment; inside the body
  RETURN r || ';c';
END;
$body$;
SELECT body_semis();
CREATE FUNCTION atomic_fn(x int) RETURNS int LANGUAGE sql
BEGIN ATOMIC
  SELECT x + 1;
  SELECT CASE WHEN x > 0 THEN x * 2 ELSE 0 END;
END;
SELECT atomic_fn(4);
CREATE OR REPLACE PROCEDURE atomic_proc() LANGUAGE sql
BEGIN ATOMIC
  SELECT 1;
END;
CALL atomic_proc();
SELECT (1
  ; 2);
SELECT array_length(ARRAY[1, 2, 3], 1) AS len, (ARRAY[1, 2, 3])[1:2] AS slice, 'a'::text AS cast1;
SELECT 1 AS a -- comment at end of statement
  , current_query() AS q;
SELECT 'multi
line; string' AS ml;
select  lower('MiXeD')   as   spaced  ;
SELECT 'no semicolon at the end' AS last
