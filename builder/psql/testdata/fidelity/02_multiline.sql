-- Values and headers spanning several lines.
SELECT E'line one\nline two' AS a, 'single' AS b, 42 AS c;
SELECT 1 AS n, E'first\nsecond\nthird' AS last;
SELECT E'x\ny' AS "multi
line header", 'v' AS "short";
SELECT E'\nleading' AS lead, E'trailing\n' AS trail, E'\n' AS nl_only, 7 AS num;
SELECT E'a\nb' AS c1, E'1\n2\n3\n4' AS c2, E'p\nq\nr' AS c3
UNION ALL SELECT 'single', 'x', NULL;
SELECT E'tab\there\nand\tagain' AS tabs, E'abcdefg\th' AS seven, E'\t' AS lone;
SELECT string_agg(x::text, E'\n') AS agg FROM generate_series(1, 3) AS x;
SELECT E'wide\n漢字漢字漢字' AS w, 'end' AS e;
SELECT E'a\r\nb' AS crlf;
