-- COPY TO STDOUT prints only the data.
CREATE TABLE c (id int, name text, note text);
INSERT INTO c VALUES (1, 'a', NULL), (2, 'b c', E'tab\there'), (3, 'd,e', 'quote"s');
COPY c TO STDOUT;
COPY c TO STDOUT WITH (FORMAT csv, HEADER);
COPY (SELECT id, name FROM c WHERE id > 1 ORDER BY id) TO STDOUT;
COPY c (name) TO STDOUT WITH (FORMAT csv);
COPY nosuch TO STDOUT;
COPY (SELECT 6 / (3 - x) FROM generate_series(1, 5) AS x) TO STDOUT;
COPY c TO STDOUT WITH (FORMAT nonsense);
COPY c TO '/tmp/c.out';
SELECT 'after copy' AS x;
