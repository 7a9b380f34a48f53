package secrets

import (
	"context"
	"database/sql"
	"fmt"
)

// applicationID marks the SQLite file as an actuate store ("actu").
const applicationID = 0x61637475

// migrations are the schema's versions: migrations[i] takes a file from
// version i to i+1 (PRAGMA user_version). They only ever grow at the end;
// a released step is never edited, since files in the field already ran
// it. Each runs in one transaction with the version bump, so a file is
// always at exactly one version.
var migrations = []string{
	// 1: the key check value and secrets.
	`PRAGMA application_id = 1633907829; -- applicationID
CREATE TABLE meta (
	name  TEXT PRIMARY KEY,
	value BLOB NOT NULL
) STRICT;
CREATE TABLE secrets (
	id             INTEGER PRIMARY KEY,
	name           TEXT NOT NULL,
	environment    TEXT NOT NULL DEFAULT 'default',
	type           TEXT NOT NULL DEFAULT 'custom',
	description    TEXT NOT NULL DEFAULT '',
	encrypted_keys BLOB NOT NULL,
	created_at     TEXT NOT NULL,
	updated_at     TEXT NOT NULL,
	UNIQUE (name, environment)
) STRICT;`,

	// 2: workspace variables, in plain JSON.
	`CREATE TABLE variables (
	id          INTEGER PRIMARY KEY,
	name        TEXT NOT NULL,
	environment TEXT NOT NULL DEFAULT 'default',
	description TEXT NOT NULL DEFAULT '',
	"values"    TEXT NOT NULL CHECK (json_valid("values")),
	created_at  TEXT NOT NULL,
	updated_at  TEXT NOT NULL,
	UNIQUE (name, environment)
) STRICT;`,

	// 3: run history (see runs.go): runs and their steps, values redacted.
	`CREATE TABLE runs (
	id         TEXT PRIMARY KEY,
	action     TEXT NOT NULL,
	source     TEXT NOT NULL DEFAULT '',
	status     TEXT NOT NULL CHECK (status IN ('running', 'succeeded', 'failed', 'cancelled', 'interrupted')),
	started_at TEXT NOT NULL,
	ended_at   TEXT,
	inputs     TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(inputs)),
	result     TEXT CHECK (result IS NULL OR json_valid(result)),
	error      TEXT NOT NULL DEFAULT '',
	pid        INTEGER NOT NULL DEFAULT 0,
	host       TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX runs_started_at ON runs (started_at);
CREATE INDEX runs_action ON runs (action, started_at);
CREATE INDEX runs_running ON runs (host) WHERE status = 'running';
CREATE TABLE run_steps (
	run_id      TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
	position    INTEGER NOT NULL,
	depth       INTEGER NOT NULL DEFAULT 0,
	template    TEXT NOT NULL DEFAULT '',
	ref         TEXT NOT NULL,
	action      TEXT NOT NULL,
	status      TEXT NOT NULL CHECK (status IN ('running', 'succeeded', 'failed', 'cancelled', 'interrupted')),
	started_at  TEXT NOT NULL,
	ended_at    TEXT,
	http_status INTEGER,
	error       TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (run_id, position)
) STRICT, WITHOUT ROWID;`,

	// 4: OAuth integrations (see integrations.go): configuration in plain
	// text; client id, client secret and tokens in one sealed blob
	// (additional data "oauth\x00provider\x00grant\x00env").
	`CREATE TABLE oauth_integrations (
	provider_id            TEXT NOT NULL,
	grant_type             TEXT NOT NULL CHECK (grant_type IN ('authorization_code', 'client_credentials')),
	environment            TEXT NOT NULL DEFAULT 'default',
	credentials            BLOB NOT NULL,
	token_type             TEXT NOT NULL DEFAULT '',
	expires_at             INTEGER, -- unix milliseconds; NULL: no token, or it does not expire
	has_token              INTEGER NOT NULL DEFAULT 0,
	has_refresh            INTEGER NOT NULL DEFAULT 0,
	reauth                 INTEGER NOT NULL DEFAULT 0,
	scopes                 TEXT NOT NULL DEFAULT '', -- additional scopes, space-separated
	granted_scope          TEXT NOT NULL DEFAULT '',
	authorization_endpoint TEXT NOT NULL DEFAULT '', -- override; '' is the provider's
	token_endpoint         TEXT NOT NULL DEFAULT '',
	callback_port          INTEGER NOT NULL DEFAULT 0,
	refresh_owner          TEXT NOT NULL DEFAULT '', -- a refresh under way: its lease
	refresh_until          INTEGER NOT NULL DEFAULT 0, -- unix milliseconds
	created_at             TEXT NOT NULL,
	updated_at             TEXT NOT NULL,
	PRIMARY KEY (provider_id, grant_type, environment)
) STRICT, WITHOUT ROWID;`,

	// 5: runs sent to Temporal workers: where ("HOST:PORT namespace NS");
	// '' for a local run.
	`ALTER TABLE runs ADD COLUMN temporal TEXT NOT NULL DEFAULT '';`,
}

// migrate brings the file up to version target. It reads the version again
// inside each transaction, so two processes opening an old file at once
// migrate it once.
func migrate(ctx context.Context, db *sql.DB, path string, target int) error {
	for {
		done, err := migrateOne(ctx, db, path, target)
		if err != nil || done {
			return err
		}
	}
}

// migrateOne applies the next migration, or reports that there is none.
func migrateOne(ctx context.Context, db *sql.DB, path string, target int) (done bool, err error) {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return false, fmt.Errorf("upgrading store %s: %w", path, err)
	}
	defer tx.Rollback()
	var version int
	if err := tx.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version); err != nil {
		return false, fmt.Errorf("upgrading store %s: %w", path, err)
	}
	if version >= target {
		return true, nil
	}
	if _, err := tx.ExecContext(ctx, migrations[version]); err != nil {
		return false, fmt.Errorf("upgrading store %s to schema %d: %w", path, version+1, err)
	}
	if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", version+1)); err != nil {
		return false, fmt.Errorf("upgrading store %s to schema %d: %w", path, version+1, err)
	}
	if err := tx.Commit(); err != nil {
		return false, fmt.Errorf("upgrading store %s to schema %d: %w", path, version+1, err)
	}
	return false, nil
}
