-- Display widths: East Asian wide, combining marks, emoji, controls.
SELECT '漢字' AS cjk, 'ｆｕｌｌ' AS fullwidth, '한국어' AS hangul, 'x' AS z;
SELECT 'e' || chr(769) AS combining, 'a' || chr(8203) || 'b' AS zwsp, chr(10084) AS heart,
       chr(128077) || chr(127997) AS thumbs, 'x' AS z;
SELECT chr(128104) || chr(8205) || chr(128105) || chr(8205) || chr(128103) AS family,
       chr(10084) || chr(65039) AS heart_vs16, chr(160) AS nbsp, 'x' AS z;
SELECT E'\x01' AS soh, E'\x1b[0m' AS esc, E'\x7f' AS del, chr(133) AS nel, E'a\rb' AS cr, 'x' AS z;
SELECT chr(131070) AS nonchar, chr(65534) AS fffe, 'after' AS z;
SELECT E'\x01\x02' AS last_control;
SELECT 'ＡＢＣ' AS "ワイド", 'abc' AS "narrow";
SELECT 'Å' AS a, 'Å' AS nfd, 'ﬁ' AS lig, '€' AS euro, '∑' AS sum, '😀' AS emoji, 'x' AS z;
SELECT chr(x) AS c, x AS code FROM (VALUES (4352), (4447), (12288), (65281), (127744), (917505)) AS v(x);
SELECT 1 AS "tab	header", 2 AS "é", 3 AS "é", 4 AS "漢";
