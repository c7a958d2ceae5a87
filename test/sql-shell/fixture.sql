-- The objects the corpus describes and queries (loaded once per test file, by the real psql).
create table customers (
  id serial primary key,
  name text not null,
  email text unique,
  note text collate "C",
  created timestamptz default '2024-01-02 03:04:05+00',
  check (length(name) > 0)
);
create index customers_lower_email on customers (lower(email));
create index customers_partial on customers (created) where note is not null;
comment on table customers is 'people who buy';
create table orders (
  id bigint generated always as identity primary key,
  customer_id int references customers(id) on delete cascade,
  total numeric(10,2),
  gross numeric generated always as (total * 1.2) stored,
  status text default 'new' not null
);
create unique index orders_status_total on orders (status, total);
create view big_orders as select id, total from orders where total > 100;
create materialized view order_totals as select customer_id, sum(total) as sum from orders group by 1;
create sequence invoice_seq start 1000 increment 5;
create schema app;
create table app.settings (key text primary key, value jsonb);
create function add(a int, b int) returns int language sql immutable as 'select a + b';
create procedure noop() language plpgsql as $$begin end$$;
create role reporting nologin connection limit 3;
create role writer login;
grant reporting to writer;
create table events (id int, at date not null) partition by range (at);
create table events_2024 partition of events for values from ('2024-01-01') to ('2025-01-01');
create table base (id int);
create table child (extra text) inherits (base);
create function touch() returns trigger language plpgsql as $$begin return new; end$$;
create trigger customers_touch before update on customers for each row execute function touch();
alter table app.settings enable row level security;
create policy own on app.settings for select to writer using (key like 'w%');

insert into customers (name, email, note) values
  ('Ada', 'ada@example.com', null),
  ('Bob', null, E'line one\nline two'),
  ('日本語の名前', 'jp@example.com', 'wide');
insert into orders (customer_id, total) values (1, 12.50), (1, 150), (2, 99.99);
insert into app.settings values ('theme', '{"dark": true, "size": [1, 2]}');
