// Package secrets is actuate's store: one SQLite file under the actuate home
// folder holding secrets, encrypted at rest, and workspace variables, in
// plain text.
//
// # The file
//
// [Open] opens (and creates) the file in WAL mode with foreign keys on, a
// busy timeout of five seconds and synchronous=NORMAL, which survives a
// killed process (not a power cut, where the last commits may be lost,
// never the file). Every write is one transaction. The folder is created
// with mode 0700 and the file with 0600; SQLite gives its -wal and -shm
// files the same mode. [DefaultPath] finds the file: $ACTUATE_HOME, else
// $XDG_DATA_HOME/actuate, else ~/.local/share/actuate, then [FileName].
//
// The schema is versioned by PRAGMA user_version and upgraded by an ordered
// list of migrations, each applied in its own transaction, forward only.
// Opening a file written by a newer actuate fails with a [*SchemaError] and
// changes nothing.
//
// # Encryption
//
// Each secret's keys and values are one JSON object sealed with AES-256-GCM
// under a random 12-byte nonce, with the secret's name and environment as
// additional data, so a blob moved to another row does not decrypt. The
// key ([Key], from [LoadKey]) comes from ACTUATE_ENCRYPTION_KEY or the key
// file. The store keeps a key check value, a known text sealed with the
// key, and [Open] refuses a key that does not open it with a
// [*WrongKeyError] before touching anything. [Store.RotateKey] re-encrypts
// everything in one transaction.
//
// Values never appear in errors or logs: errors name the secret and key.
//
// # Concurrency
//
// A [Store] is safe for concurrent use, and several processes may use one
// file at once. A Store reads each secret of its environment from the file
// once and keeps it decrypted in memory for its lifetime (see
// [Store.Secret]), so a run touches the database once per secret.
package secrets

import (
	"context"
	"crypto/cipher"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	_ "modernc.org/sqlite" // the "sqlite" database/sql driver
)

// FileName is the store's file name in the actuate home folder.
const FileName = "actuate.db"

// DefaultEnvironment is the environment of secrets and variables when none
// is given, as in Tracecat.
const DefaultEnvironment = "default"

// Home returns the actuate home folder: $ACTUATE_HOME, else
// $XDG_DATA_HOME/actuate, else $HOME/.local/share/actuate.
func Home(getenv func(string) string) (string, error) {
	if h := getenv("ACTUATE_HOME"); h != "" {
		return h, nil
	}
	if x := getenv("XDG_DATA_HOME"); x != "" {
		return filepath.Join(x, "actuate"), nil
	}
	if h := getenv("HOME"); h != "" {
		return filepath.Join(h, ".local", "share", "actuate"), nil
	}
	return "", errors.New("cannot find a folder for actuate's data: set ACTUATE_HOME (or HOME)")
}

// DefaultPath returns the path of the store file: [FileName] in [Home].
func DefaultPath(getenv func(string) string) (string, error) {
	home, err := Home(getenv)
	if err != nil {
		return "", err
	}
	return filepath.Join(home, FileName), nil
}

// Store is an open store file. Its methods are safe for concurrent use.
type Store struct {
	db   *sql.DB
	path string
	env  string // the environment Secret reads

	mu   sync.RWMutex
	key  Key
	aead cipher.AEAD

	cacheMu sync.Mutex
	cache   map[string]cached // secret name → keys, in env

	oauth oauthState // OAuth integrations: see integrations.go
}

type cached struct {
	keys  map[string]string
	found bool
}

// Option changes how [Open] opens a store.
type Option func(*Store)

// WithEnvironment sets the environment [Store.Secret] reads secrets from;
// the default is "default".
func WithEnvironment(env string) Option {
	return func(s *Store) { s.env = env }
}

// Open opens the store file at path with key, creating the file (and its
// folder) when it does not exist and upgrading an older schema. It fails,
// changing nothing, with a [*SchemaError] when a newer actuate wrote the
// file and with a [*WrongKeyError] when key is not the store's key.
//
// When key came from a key file and a rotation was cut short after the
// store was re-encrypted but before the new key file was put in place
// (key.new), Open finishes the rotation.
func Open(ctx context.Context, path string, key Key, opts ...Option) (*Store, error) {
	s := &Store{path: path, env: DefaultEnvironment, key: key, cache: map[string]cached{}}
	s.oauth.margin = DefaultRefreshMargin
	for _, o := range opts {
		o(s)
	}
	if err := ValidEnvironment(s.env); err != nil {
		return nil, err
	}
	aead, err := key.aead()
	if err != nil {
		return nil, err
	}
	s.aead = aead
	if strings.ContainsRune(path, '?') {
		return nil, fmt.Errorf("store path %s: a path with \"?\" is not supported", path)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("creating the store folder: %w", err)
	}
	// Create the file first so it gets mode 0600; SQLite copies the mode
	// to the -wal and -shm files.
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("opening store: %w", err)
	}
	f.Close()
	dsn := path + "?_txlock=immediate&_busy_timeout=5000&_foreign_keys=on&_journal_mode=WAL&_synchronous=NORMAL"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("opening store %s: %w", path, err)
	}
	s.db = db
	// Processes opening a new file at the same moment may find it busy
	// even with the busy timeout (SQLite does not wait where waiting
	// could deadlock, as when one turns on WAL): they try again.
	for start := time.Now(); ; {
		err := s.init(ctx)
		if err == nil {
			return s, nil
		}
		if !isBusy(err) || time.Since(start) > lockWait {
			db.Close()
			return nil, err
		}
		select {
		case <-ctx.Done():
			db.Close()
			return nil, ctx.Err()
		case <-time.After(10*time.Millisecond + time.Duration(rand.Int64N(int64(40*time.Millisecond)))):
		}
	}
}

// init checks the schema version and the key, then migrates.
func (s *Store) init(ctx context.Context) error {
	// One statement, so one snapshot: another process may be creating
	// the file at this moment.
	var app, version, tables int
	err := s.db.QueryRowContext(ctx, `SELECT (SELECT application_id FROM pragma_application_id),
	(SELECT user_version FROM pragma_user_version), (SELECT count(*) FROM sqlite_schema)`).Scan(&app, &version, &tables)
	if err != nil {
		return fmt.Errorf("opening store %s: %w", s.path, err)
	}
	if app != 0 && app != applicationID {
		return fmt.Errorf("%s is not an actuate store (SQLite application id %#x)", s.path, app)
	}
	if app == 0 && tables > 0 {
		return fmt.Errorf("%s is not an actuate store (a SQLite database with other tables)", s.path)
	}
	if version > len(migrations) {
		return &SchemaError{Path: s.path, Version: version, Known: len(migrations)}
	}
	if version >= 1 { // the meta table exists: check the key before changing anything
		if err := s.checkKey(ctx); err != nil {
			return err
		}
	}
	if err := migrate(ctx, s.db, s.path, len(migrations)); err != nil {
		return err
	}
	return s.checkKey(ctx)
}

// WrongKeyError reports a key that does not open the store.
type WrongKeyError struct {
	Path   string // the store file
	Source string // where the key came from: ACTUATE_ENCRYPTION_KEY or a key file
}

func (e *WrongKeyError) Error() string {
	where := e.Path
	if e.Source != "" {
		where += ", key from " + e.Source
	}
	return fmt.Sprintf("the encryption key does not match this store (%s); set %s to the key it was created with", where, KeyEnv)
}

// SchemaError reports a store file written by a newer actuate.
type SchemaError struct {
	Path    string
	Version int // the file's schema version
	Known   int // the newest version this build knows
}

func (e *SchemaError) Error() string {
	return fmt.Sprintf("%s was written by a newer actuate (schema %d, this build knows up to %d); upgrade actuate",
		e.Path, e.Version, e.Known)
}

// The key check value: checkText sealed under the key with checkAD.
const (
	checkName = "key_check"
	checkText = "actuate key check v1"
)

var checkAD = []byte("meta\x00" + checkName)

// checkKey verifies the store's key check value, writing it if the store
// has none yet (a new store). A key that fails may be the new half of a
// rotation cut short: see finishRotation.
func (s *Store) checkKey(ctx context.Context) error {
	var blob []byte
	err := s.db.QueryRowContext(ctx, "SELECT value FROM meta WHERE name = ?", checkName).Scan(&blob)
	if errors.Is(err, sql.ErrNoRows) {
		fresh, err := seal(s.aead, []byte(checkText), checkAD)
		if err != nil {
			return err
		}
		// OR IGNORE: if another process created the store at the same
		// time, its value stays, and the check below compares against it.
		if _, err := s.db.ExecContext(ctx, "INSERT OR IGNORE INTO meta (name, value) VALUES (?, ?)", checkName, fresh); err != nil {
			return fmt.Errorf("opening store %s: %w", s.path, err)
		}
		return s.checkKey(ctx)
	}
	if err != nil {
		return fmt.Errorf("opening store %s: %w", s.path, err)
	}
	if plain, err := open(s.aead, blob, checkAD); err == nil && string(plain) == checkText {
		return nil
	}
	if ok, err := s.finishRotation(blob); ok || err != nil {
		return err
	}
	return &WrongKeyError{Path: s.path, Source: s.key.Source()}
}

// Path returns the store's file path.
func (s *Store) Path() string { return s.path }

// Environment returns the environment [Store.Secret] reads.
func (s *Store) Environment() string { return s.env }

// Close closes the file. The Store must not be used afterwards.
func (s *Store) Close() error { return s.db.Close() }

// Snapshot writes a consistent copy of the store to path, a file that
// must not exist, and opens it with the store's key and settings. A run
// that must leave the store as it is works on the copy: a replayed run,
// whose token refreshes are answered with placeholders from a cassette,
// would otherwise save those over the real tokens. The caller closes the
// copy and removes its file.
func (s *Store) Snapshot(ctx context.Context, path string) (*Store, error) {
	// The file is made first, new and 0600, for VACUUM INTO to fill: the
	// copy is never readable by others, not even for a moment.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return nil, fmt.Errorf("copying the store: %s exists", path)
	}
	if err != nil {
		return nil, fmt.Errorf("copying the store: %w", err)
	}
	f.Close()
	if _, err := s.db.ExecContext(ctx, `VACUUM INTO ?`, path); err != nil {
		os.Remove(path)
		return nil, fmt.Errorf("copying the store to %s: %w", path, err)
	}
	s.mu.RLock()
	key := s.key
	s.mu.RUnlock()
	c, err := Open(ctx, path, key, WithEnvironment(s.env), WithRefreshMargin(s.oauth.margin), WithLogger(s.oauth.log))
	if err != nil {
		return nil, err
	}
	c.oauth.http = s.oauth.http
	return c, nil
}
