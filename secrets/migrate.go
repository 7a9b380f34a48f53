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
//
// Planned, and not created yet:
//
//   - oauth_integrations: one row per (provider_id, grant_type,
//     environment) with the state (not_configured, configured,
//     connected, needs_reauth), client_id, the client secret, access and
//     refresh tokens as one encrypted blob (additional data
//     "oauth\x00provider\x00grant\x00env", re-encrypted by RotateKey), the
//     token's expiry, scopes, timestamps.
//   - runs and run_steps: run history (id, action, status, inputs and
//     result redacted, started/finished), steps referencing runs with ON
//     DELETE CASCADE, pruned by age.
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
