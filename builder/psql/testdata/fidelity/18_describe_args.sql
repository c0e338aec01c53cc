-- Describe arguments reach psql as typed: quotes, backslashes, blanks, variables.
CREATE TABLE "we""ird" (id int);
CREATE TABLE "two words" (id int);
CREATE TABLE "back\slash" (id int);
CREATE TABLE "ünï" (id int);
CREATE TABLE plain (id int);
CREATE TABLE "pl:t" (id int);
\dt 'we"ird'
\dt '"we""ird"'
\dt "we""ird"
\dt "two words"
\dt 'two words'
\dt '"two words"'
\dt two" words"
\dt "back\slash"
\dt 'back\\slash'
\dt '"back\\slash"'
\dt 'ünï' "ünï"
\dt 'pl''ain'
\set t plain
\dt :t
\dt :'t'
\dt :"t"
\dt x:t
\set q '"two words"'
\dt :q
\set w 'we"ird'
\dt :"w"
\dt :w
\dt pl*
\dt 'pl:t'
\dt "pl:t"
\dt '"pl:t"'
\dt ':t'
\dt :unset
\d 'we"ird'
\d "we""ird"
\dt 'two' 'words'
\dt 'pl\x61in'
\dt 'pl\141in'
\dt "plain"\dt 'plain'
