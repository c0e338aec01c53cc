-- Describe commands: psql's own output, through the node's psql.
CREATE TABLE customers (id int PRIMARY KEY, name text NOT NULL);
CREATE TABLE orders (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    customer_id int NOT NULL REFERENCES customers (id),
    amount numeric(10,2) CHECK (amount > 0),
    note text DEFAULT 'none',
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX orders_customer ON orders (customer_id);
COMMENT ON TABLE orders IS 'what customers bought';
COMMENT ON COLUMN orders.amount IS 'in euros, ünïcødé 日本';
CREATE SCHEMA shop;
CREATE TABLE shop.items (sku text PRIMARY KEY);
CREATE VIEW big_orders AS SELECT * FROM orders WHERE amount > 100;
CREATE PUBLICATION pub_orders FOR TABLE orders, customers;
CREATE PUBLICATION pub_all_items FOR TABLE shop.items WITH (publish = 'insert');
CREATE SUBSCRIPTION sub_orders CONNECTION 'host=nowhere dbname=x' PUBLICATION pub_orders WITH (connect = false);
CREATE ROLE replicator WITH REPLICATION LOGIN;
\d orders
\d+ orders
\d customers
\d shop.items
\d big_orders
\d orders_customer
\dt
\dt+
\dt shop.*
\di
\dv
\ds
\dn
\du
\dg replicator
\l postgres
\dx
\dRp
\dRp+
\dRp+ pub_orders
\dRs
\dRs+
\d nosuch
\dt nosuch
SET search_path = shop, public;
\dt
\d items
RESET search_path;
\x
\d customers
\dRp+ pub_orders
\dt
\x off
BEGIN;
SELECT 1/0;
\dt
ROLLBACK;
\d "orders"
\d 'orders'
ALTER SUBSCRIPTION sub_orders SET (slot_name = NONE);
DROP SUBSCRIPTION sub_orders;
DROP ROLE replicator;
