-- Notifications print after the statement that received them.
LISTEN chan;
NOTIFY chan;
NOTIFY chan, 'payload text';
SELECT pg_notify('chan', 'from a function') IS NOT NULL AS sent;
BEGIN;
NOTIFY chan, 'delivered at commit';
SELECT 'inside' AS tx;
COMMIT;
UNLISTEN chan;
NOTIFY chan, 'nobody listens';
