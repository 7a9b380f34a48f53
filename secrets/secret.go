package secrets

import (
	"context"
	"crypto/cipher"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// SecretInfo describes a stored secret without its values.
type SecretInfo struct {
	Name        string
	Environment string
	Type        string   // "custom"
	Description string   //
	Keys        []string // key names, sorted
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// ErrNotFound is matched (errors.Is) by a [*NotFoundError].
var ErrNotFound = errors.New("not found")

// NotFoundError reports a secret, variable or run that is not in the
// store.
type NotFoundError struct {
	Kind        string // "secret", "variable" or "run"
	Name        string
	Environment string // "" for a run
}

func (e *NotFoundError) Error() string {
	if e.Environment == "" {
		return fmt.Sprintf("no %s %s", e.Kind, e.Name)
	}
	return fmt.Sprintf("no %s %s in environment %s", e.Kind, e.Name, e.Environment)
}

// Is makes errors.Is(err, ErrNotFound) true.
func (e *NotFoundError) Is(target error) bool { return target == ErrNotFound }

// ErrInvalid is matched (errors.Is) by the errors of names, keys and
// values that break the rules, which the caller should fix and retry.
var ErrInvalid = errors.New("invalid")

type invalidError struct{ msg string }

func (e *invalidError) Error() string        { return e.msg }
func (e *invalidError) Is(target error) bool { return target == ErrInvalid }

func invalidf(format string, args ...any) error {
	return &invalidError{fmt.Sprintf(format, args...)}
}

// Limits on secrets and variables, as in Tracecat.
const (
	maxSecretName = 100
	maxVarName    = 255
	maxEnvName    = 100
	maxSecretKeys = 100
	maxVarKeys    = 1000
)

func isLowerName(s string, extra string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '_' || strings.IndexByte(extra, c) >= 0) {
			return false
		}
	}
	return s != ""
}

// IsKeyName reports whether s is a valid key name for a secret or a
// variable: letters, digits and underscores.
func IsKeyName(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_') {
			return false
		}
	}
	return s != ""
}

// ValidSecretName reports whether name may name a secret: 1 to 100
// lowercase letters, digits and underscores, not ending in _oauth (the
// names of OAuth tokens).
func ValidSecretName(name string) error {
	if !isLowerName(name, "") || len(name) > maxSecretName {
		return invalidf("invalid secret name %q: use 1 to %d lowercase letters, digits and underscores", name, maxSecretName)
	}
	if strings.HasSuffix(name, "_oauth") {
		return invalidf("invalid secret name %q: names ending in _oauth are kept for OAuth tokens", name)
	}
	return nil
}

// ValidVarName reports whether name may name a variable: 1 to 255
// lowercase letters, digits and underscores.
func ValidVarName(name string) error {
	if !isLowerName(name, "") || len(name) > maxVarName {
		return invalidf("invalid variable name %q: use 1 to %d lowercase letters, digits and underscores", name, maxVarName)
	}
	return nil
}

// ValidEnvironment reports whether env may name an environment: 1 to 100
// lowercase letters, digits, underscores and hyphens.
func ValidEnvironment(env string) error {
	if !isLowerName(env, "-") || len(env) > maxEnvName {
		return invalidf("invalid environment %q: use 1 to %d lowercase letters, digits, underscores and hyphens", env, maxEnvName)
	}
	return nil
}

func validSecret(name, env string, keys map[string]string) error {
	if err := ValidSecretName(name); err != nil {
		return err
	}
	if err := ValidEnvironment(env); err != nil {
		return err
	}
	if len(keys) == 0 || len(keys) > maxSecretKeys {
		return invalidf("secret %s: give 1 to %d keys, not %d", name, maxSecretKeys, len(keys))
	}
	for _, k := range slices.Sorted(maps.Keys(keys)) {
		if !IsKeyName(k) {
			return invalidf("secret %s: invalid key name %q: use letters, digits and underscores", name, k)
		}
		if keys[k] == "" {
			return invalidf("secret %s: key %s has an empty value", name, k)
		}
	}
	return nil
}

func now() string { return time.Now().UTC().Format(timeFormat) }

const timeFormat = "2006-01-02T15:04:05.000Z"

func parseTime(s string) time.Time {
	t, _ := time.Parse(timeFormat, s)
	return t
}

// cipher returns the current key's AEAD.
func (s *Store) cipher() cipher.AEAD {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.aead
}

// writeSecrets runs fn in a transaction after checking, inside it, that
// the store's key is still the one this Store holds (another process may
// have rotated it), so no row is ever written under a stale key.
func (s *Store) writeSecrets(ctx context.Context, fn func(tx *sql.Tx, a cipher.AEAD) error) error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := s.verifyKey(ctx, tx, s.aead); err != nil {
		return err
	}
	if err := fn(tx, s.aead); err != nil {
		return err
	}
	return tx.Commit()
}

func (s *Store) verifyKey(ctx context.Context, tx *sql.Tx, a cipher.AEAD) error {
	var blob []byte
	if err := tx.QueryRowContext(ctx, "SELECT value FROM meta WHERE name = ?", checkName).Scan(&blob); err != nil {
		return err
	}
	if plain, err := open(a, blob, checkAD); err != nil || string(plain) != checkText {
		return errKeyChanged
	}
	return nil
}

// errKeyChanged is what a write finds when another process rotated the
// key after this Store was opened (which checked it).
var errKeyChanged = errors.New("the store's encryption key was changed by another actuate (rotate-key) after it was opened; open it again with the new key")

// Set stores the secret name in environment env ("" means "default") with
// exactly the given keys, replacing any keys it had.
func (s *Store) Set(ctx context.Context, name, env string, keys map[string]string) error {
	env = orDefault(env)
	if err := validSecret(name, env, keys); err != nil {
		return err
	}
	plain, err := json.Marshal(keys)
	if err != nil {
		return err
	}
	err = s.writeSecrets(ctx, func(tx *sql.Tx, a cipher.AEAD) error {
		blob, err := seal(a, plain, secretAD(name, env))
		if err != nil {
			return err
		}
		t := now()
		_, err = tx.ExecContext(ctx, `INSERT INTO secrets (name, environment, encrypted_keys, created_at, updated_at)
VALUES (?, ?, ?, ?, ?)
ON CONFLICT (name, environment) DO UPDATE SET encrypted_keys = excluded.encrypted_keys, updated_at = excluded.updated_at`,
			name, env, blob, t, t)
		return err
	})
	s.forget(name, env)
	if err != nil {
		return fmt.Errorf("saving secret %s: %w", name, err)
	}
	return nil
}

// Get returns the decrypted keys of the secret name in environment env
// ("" means "default"), or a [*NotFoundError].
func (s *Store) Get(ctx context.Context, name, env string) (map[string]string, error) {
	env = orDefault(env)
	if err := ValidEnvironment(env); err != nil {
		return nil, err
	}
	var blob []byte
	err := s.db.QueryRowContext(ctx, "SELECT encrypted_keys FROM secrets WHERE name = ? AND environment = ?", name, env).Scan(&blob)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, &NotFoundError{Kind: "secret", Name: name, Environment: env}
	}
	if err != nil {
		return nil, fmt.Errorf("reading secret %s: %w", name, err)
	}
	return decryptKeys(s.cipher(), name, env, blob)
}

func decryptKeys(a cipher.AEAD, name, env string, blob []byte) (map[string]string, error) {
	plain, err := open(a, blob, secretAD(name, env))
	if err != nil {
		return nil, fmt.Errorf("secret %s (environment %s) cannot be decrypted: it was written with another key or is damaged", name, env)
	}
	var keys map[string]string
	if err := json.Unmarshal(plain, &keys); err != nil {
		return nil, fmt.Errorf("secret %s (environment %s) is damaged: its keys do not decode", name, env)
	}
	return keys, nil
}

// List describes the secrets of environment env, or of every environment
// when env is "", sorted by name and environment. It decrypts each secret
// to list its key names; values are not returned.
func (s *Store) List(ctx context.Context, env string) ([]SecretInfo, error) {
	q, args := byEnvironment("SELECT name, environment, type, description, encrypted_keys, created_at, updated_at FROM secrets", env, "name, environment")
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("listing secrets: %w", err)
	}
	defer rows.Close()
	a := s.cipher()
	var out []SecretInfo
	for rows.Next() {
		var info SecretInfo
		var blob []byte
		var created, updated string
		if err := rows.Scan(&info.Name, &info.Environment, &info.Type, &info.Description, &blob, &created, &updated); err != nil {
			return nil, fmt.Errorf("listing secrets: %w", err)
		}
		keys, err := decryptKeys(a, info.Name, info.Environment, blob)
		if err != nil {
			return nil, err
		}
		info.Keys = slices.Sorted(maps.Keys(keys))
		info.CreatedAt, info.UpdatedAt = parseTime(created), parseTime(updated)
		out = append(out, info)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("listing secrets: %w", err)
	}
	return out, nil
}

// Delete removes the secret name of environment env ("" means "default"),
// or returns a [*NotFoundError].
func (s *Store) Delete(ctx context.Context, name, env string) error {
	env = orDefault(env)
	res, err := s.db.ExecContext(ctx, "DELETE FROM secrets WHERE name = ? AND environment = ?", name, env)
	s.forget(name, env)
	if err != nil {
		return fmt.Errorf("deleting secret %s: %w", name, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return &NotFoundError{Kind: "secret", Name: name, Environment: env}
	}
	return nil
}

func orDefault(env string) string {
	if env == "" {
		return DefaultEnvironment
	}
	return env
}

// byEnvironment returns query, a SELECT from a table with an environment
// column, limited to environment env ("" selects every environment) and
// ordered by order, with its arguments.
func byEnvironment(query, env, order string) (string, []any) {
	if env == "" {
		return query + " ORDER BY " + order, nil
	}
	return query + " WHERE environment = ? ORDER BY " + order, []any{env}
}

func (s *Store) forget(name, env string) {
	if env != s.env {
		return
	}
	s.cacheMu.Lock()
	delete(s.cache, name)
	s.cacheMu.Unlock()
}

// Secret returns the keys of the secret name in the store's environment
// (see [WithEnvironment]); found is false when there is none. It reads the
// file once per name and answers from memory afterwards, for the life of
// the Store, so changes made by other processes after the first read are
// not seen. Together with [Store.Token] it implements engine.SecretSource.
// The returned map must not be modified.
func (s *Store) Secret(ctx context.Context, name string) (map[string]string, bool, error) {
	s.cacheMu.Lock()
	c, ok := s.cache[name]
	s.cacheMu.Unlock()
	if ok {
		return c.keys, c.found, nil
	}
	keys, err := s.Get(ctx, name, s.env)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return nil, false, err
	}
	c = cached{keys: keys, found: err == nil}
	s.cacheMu.Lock()
	s.cache[name] = c
	s.cacheMu.Unlock()
	return c.keys, c.found, nil
}
