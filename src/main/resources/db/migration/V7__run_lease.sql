-- One pipeline at a time per (environment, node) across every operator process sharing the
-- database. Unlike a session-level advisory lock, the lease survives a dropped connection: it ends
-- when its holder releases it or stops renewing it (expires_at, by PostgreSQL's clock). token grows
-- by one at every acquisition, so a write checked against (holder, token) is refused once another
-- process took the pair over (fencing). The row is kept after a release so the token never repeats.
create table run_lease (
    environment text        not null,
    node        text        not null,
    holder      text,
    process     text,
    token       bigint      not null,
    acquired_at timestamptz not null,
    expires_at  timestamptz not null,
    primary key (environment, node)
);
