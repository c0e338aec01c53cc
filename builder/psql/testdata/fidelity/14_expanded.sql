-- Expanded display (\x): records, widths, NULLs, wide characters,
-- multi-line values and names, empty results, toggles.
\x
SELECT 1 AS a, 'two' AS bbbbbb, NULL AS c, E'x\ny' AS d;
SELECT 1 AS n WHERE false;
SELECT;
SELECT FROM generate_series(1, 3);
SELECT g AS id, repeat('ab', g) AS val, g * 1.5 AS num, NULL::text AS nothing FROM generate_series(1, 12) AS g;
SELECT 'x' AS "a much longer column name", 1 AS y;
SELECT 'short' AS v;
SELECT '日本語' AS "名前", '👍🏽 ok' AS emoji, 'e' || U&'\0301' AS combining, E'tab\there' AS tab, E'cr\rlf' AS cr, E'\x01ctl' AS ctl;
SELECT E'line one\nline two\n' AS trailing, E'\nleading' AS lead, 'plain' AS p;
SELECT 1 AS "multi
line name", 'v' AS w;
SELECT E'a\nb\nc' AS "two
lines";
SELECT 'x' AS "a", NULL AS "b", '' AS "c";
CREATE TABLE ex (id int, note text);
INSERT INTO ex VALUES (1, 'one'), (2, NULL) RETURNING *;
UPDATE ex SET note = 'upd' WHERE id = 2 RETURNING id, note;
SELECT * FROM ex ORDER BY id;
SELECT 1/0 AS boom;
\x off
SELECT 1 AS back_to_aligned;
\x on
SELECT lpad('', 40, 'w') AS wide, 1 AS narrow;
\x auto
SELECT 1 AS auto_mode, 'never expands when the output is not a terminal' AS why;
\x
SELECT 'toggled from auto' AS state;
\x
\pset expanded on
SELECT 'pset' AS via;
\pset expanded off
\pset x
SELECT 'pset x toggles' AS via;
\pset expanded
\set mode on
\x :mode
SELECT 'from a variable' AS v;
\set mode sideways
\x :mode
\x 0
\x yes
\x of
