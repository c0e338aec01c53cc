-- Scalar types: right-aligned numbers, left-aligned everything else.
CREATE DOMAIN posint AS integer CHECK (VALUE > 0);
SELECT 1::int2 AS i2, 22::int4 AS i4, 333::int8 AS i8, 1.5::float4 AS f4,
       -2.25::float8 AS f8, 12.340::numeric AS num, 'NaN'::numeric AS nan,
       42::oid AS oid, '28'::xid AS xid, '5'::xid8 AS xid8, '3'::cid AS cid,
       12.5::money AS money, 7::posint AS dom
UNION ALL
SELECT '-32768'::int2, 0, -9000000000, 'Infinity'::float4, 1e300::float8, 0.000001, -1.5, 4294967295::oid,
       '4294967295'::xid, '18446744073709551615'::xid8, '0'::cid, '-1234567.89'::money, 123456::posint;
SELECT true AS t, false AS f, NULL::bool AS n, 'text' AS txt, 'v'::varchar(3) AS vc, 'c'::char(4) AS ch;
SELECT '2024-01-02 03:04:05'::timestamp AS ts, '2024-01-02 03:04:05+00'::timestamptz AS tstz,
       '2024-02-29'::date AS d, '13:14:15.5'::time AS tm, '1 day 02:03:04'::interval AS iv,
       '-1 year -2 mons'::interval AS neg;
SELECT '0/3000148'::pg_lsn AS lsn, '16/B374D848'::pg_lsn - '16/B3000000'::pg_lsn AS lsn_diff,
       'pg_class'::regclass AS rel, 'int4'::regtype AS typ, '00000000-0000-0000-0000-000000000001'::uuid AS id;
SELECT ARRAY[1, 2, 3] AS ints, ARRAY['a', NULL, 'c d'] AS texts, '{}'::int[] AS empty,
       ARRAY[[1, 2], [3, 4]] AS matrix, int4range(1, 10) AS r;
SELECT '{"a": 1, "b": [true, null]}'::json AS j, '{"b": 2, "a": 1}'::jsonb AS jb, ROW(1, 'x', NULL) AS rec;
SELECT x AS n, x * 1000 AS big, x::text AS txt, repeat('*', x) AS stars
FROM generate_series(1, 12) AS x;
SELECT 1 AS "A Long Column Header", 'x' AS "b", NULL AS "Ünïcødé";
SELECT 123456789012345678::int8 AS n, 'short' AS last_col
UNION ALL SELECT NULL, NULL;
SELECT NULL AS only_null;
SELECT '' AS empty_text, 1 AS num;
SELECT 'E''\x41'' is not an escape' AS s, E'back\\slash' AS b, $$dollar 'quoted'$$ AS d;
