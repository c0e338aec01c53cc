-- \echo, \set, \unset, \gset, :NAME substitution, \g, \conninfo.
\echo hello world
\echo 'a b' "c d" 'it''s' E'x' -n
\echo -n no newline
\echo
\qecho to the query output
\set greeting 'hi there'
\set joined a b 'c d'
\echo :greeting :'greeting' :"greeting" :joined
SELECT :'greeting' AS literal, :'joined' AS j;
\set tab 'a\tb'
SELECT :'tab' AS tab;
\set slash 'back\\slash'
SELECT :'slash' AS with_backslash;
\set q 'it''s'
SELECT :'q' AS quote, :"q" AS "ident";
SELECT pg_current_wal_lsn() IS NOT NULL AS ok, 42 AS answer, NULL AS gone \gset
\echo :ok :answer :gone
SELECT 7 AS n, 'x' AS s \gset p_
\echo :p_n :p_s
SELECT :p_n + 1 AS next;
SELECT 1 WHERE false \gset
SELECT generate_series(1, 2) AS g \gset
SELECT 1/0 AS boom \gset
SELECT 1 AS "SQLSTATE" \gset
SELECT 'on' AS "QUIET", 2 AS after_quiet \gset
\echo :after_quiet
SELECT 'off' AS "AUTOCOMMIT", 'x' AS "ECHO", 5 AS after_autocommit \gset
\echo :after_autocommit
SELECT 1 AS before_bad, 2 AS "bad-name", 3 AS after_bad \gset
\echo :before_bad :after_bad
\unset greeting
\echo :greeting :'greeting'
SELECT :'greeting' AS "unset stays as written";
SELECT 'sent by' AS how
\g
SELECT 'also' AS how \g
CREATE TABLE v (n int) \g
\conninfo
SELECT 1 AS a, 2 AS b \gset
\set sum :a:b
\echo :sum
\x :'a'
SELECT :a AS a, :b AS b;
