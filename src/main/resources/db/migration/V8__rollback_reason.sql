-- Why a person rolled back (dashboard, API ?reason=, sylvanctl): asked with the rollback, kept on
-- the environment while the pin holds, and copied onto the deployment that goes to the pinned
-- commit, so history says why as well as what.
alter table deployment add column reason text;
alter table environment add column pinned_reason text;
