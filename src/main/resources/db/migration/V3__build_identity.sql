-- Next.js build identity of each deployment: the BUILD_ID its build wrote, and who pinned it
-- ('operator': set from the commit by the operator; 'app': the app's next.config sets
-- generateBuildId; 'next': neither could, Next chose it). Null for runs that built nothing.
alter table deployment add column build_id text;
alter table deployment add column build_id_source text
    check (build_id_source in ('operator', 'app', 'next'));
