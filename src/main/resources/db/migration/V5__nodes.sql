-- The nodes of a fleet: one row per node name, held by one operator process (instance_id) at a
-- time. A node is Ready while now() - renewed_at < lease_seconds, always by PostgreSQL's clock.
-- process identifies the holder's OS process (boot id, pid namespace, pid, start time) so a
-- restart on the same machine can take over at once from a holder that is provably dead.
create table node (
    name             text primary key,
    instance_id      text not null,
    labels           jsonb not null default '{}',
    operator_version text,
    process          text,
    started_at       timestamptz not null,
    renewed_at       timestamptz not null,
    lease_seconds    int not null check (lease_seconds > 0)
);
