-- COPY ... FROM STDIN with the data inline, ended by \.
CREATE TABLE t (a int, b text);
COPY t FROM STDIN;
1	one
2	two
\.
COPY t (b, a) FROM STDIN WITH (FORMAT csv);
"three, quoted",3
\.
COPY t FROM STDIN; SELECT 'after the data' AS rest_of_line;
4	four
\.
COPY t FROM STDIN;
x	bad
\.
COPY t FROM STDIN;
\.
COPY nosuch FROM STDIN;
5	five
\.
COPY t FROM STDIN;
6	\N
7	tab\there
\.
SELECT * FROM t ORDER BY a;
BEGIN;
COPY t FROM stdin;
8	in a transaction
\.
ROLLBACK;
SELECT count(*) FROM t;
COPY t FROM STDIN;
9	no end marker
