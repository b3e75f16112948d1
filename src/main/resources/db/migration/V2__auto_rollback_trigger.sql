-- The automatic rollback is recorded with a trigger of its own (it was recorded as 'api').
alter table deployment drop constraint deployment_trigger_check;
alter table deployment add constraint deployment_trigger_check
    check (trigger in ('schedule', 'webhook', 'manual', 'api', 'startup', 'auto-rollback'));
