-- SHA-256 of the env file a deployment ran with (decrypted from spec.env.encryptedFile, or the
-- hand-managed one as validation read it): the content's hash, never the content, so history
-- shows when only secrets changed.
alter table deployment add column env_hash varchar(64);
