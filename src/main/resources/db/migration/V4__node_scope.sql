-- Per-node state (fleet of VMs): every environment row, deployment and health result belongs to
-- one node, so agents sharing one database each keep their own (environment, node) pair. Rows
-- written before this migration have node '' and are adopted by the first agent that starts
-- (EnvironmentService.adoptLegacyRows, one transaction).
alter table environment add column node text not null default '';
alter table deployment add column node text not null default '';
alter table health_check_result add column node text not null default '';

alter table deployment drop constraint deployment_environment_fkey;
alter table health_check_result drop constraint health_check_result_environment_fkey;
alter table environment drop constraint environment_pkey;
alter table environment add constraint environment_pkey primary key (name, node);
-- on update cascade: adopting a legacy environment row carries its history with it.
alter table deployment add constraint deployment_environment_fkey
    foreign key (environment, node) references environment (name, node)
    on delete cascade on update cascade;
alter table health_check_result add constraint health_check_result_environment_fkey
    foreign key (environment, node) references environment (name, node)
    on delete cascade on update cascade;

-- History of one pair newest first, as an agent and GET /deployments?env=&node= read it (the
-- indexes by environment alone stay for the fleet-wide views: /status, /deployments?env=).
create index deployment_env_node_id_idx on deployment (environment, node, id desc);
create index deployment_env_node_started_idx on deployment (environment, node, started_at desc);
create index health_env_node_checked_idx on health_check_result (environment, node, checked_at desc);
