package secrets

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/actuatehq/actuate/expr/value"
)

func testKey(t testing.TB) Key {
	t.Helper()
	k, err := NewKey()
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func openStore(t testing.TB, path string, key Key, opts ...Option) *Store {
	t.Helper()
	s, err := Open(t.Context(), path, key, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func newStore(t *testing.T) *Store {
	t.Helper()
	return openStore(t, filepath.Join(t.TempDir(), FileName), testKey(t))
}

func mustSet(t *testing.T, s *Store, name, env string, keys map[string]string) {
	t.Helper()
	if err := s.Set(t.Context(), name, env, keys); err != nil {
		t.Fatal(err)
	}
}

func wantError(t *testing.T, err error, want string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want %q", want)
	}
	if err.Error() != want {
		t.Fatalf("error:\n got %q\nwant %q", err.Error(), want)
	}
}

func userVersion(t *testing.T, path string) int {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var v int
	if err := db.QueryRow("PRAGMA user_version").Scan(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

func TestSecretsRoundTrip(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	s := newStore(t)
	mustSet(t, s, "okta", "", map[string]string{"OKTA_API_TOKEN": "tok-1", "OKTA_DOMAIN": "acme"})
	mustSet(t, s, "okta", "prod", map[string]string{"OKTA_API_TOKEN": "tok-prod"})
	mustSet(t, s, "slack", "default", map[string]string{"SLACK_BOT_TOKEN": "xoxb"})

	got, err := s.Get(ctx, "okta", "default")
	if err != nil {
		t.Fatal(err)
	}
	if want := map[string]string{"OKTA_API_TOKEN": "tok-1", "OKTA_DOMAIN": "acme"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("Get = %v, want %v", got, want)
	}

	// Set replaces the whole key set.
	mustSet(t, s, "okta", "default", map[string]string{"OKTA_API_TOKEN": "tok-2"})
	got, _ = s.Get(ctx, "okta", "")
	if want := map[string]string{"OKTA_API_TOKEN": "tok-2"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("after replace Get = %v, want %v", got, want)
	}

	list, err := s.List(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, info := range list {
		names = append(names, info.Name+"/"+info.Environment+":"+strings.Join(info.Keys, ","))
		if info.Type != "custom" || info.CreatedAt.IsZero() || info.UpdatedAt.Before(info.CreatedAt) {
			t.Errorf("%s: type %q, created %v, updated %v", info.Name, info.Type, info.CreatedAt, info.UpdatedAt)
		}
	}
	if want := []string{"okta/default:OKTA_API_TOKEN", "okta/prod:OKTA_API_TOKEN", "slack/default:SLACK_BOT_TOKEN"}; !reflect.DeepEqual(names, want) {
		t.Fatalf("List = %v, want %v", names, want)
	}
	list, _ = s.List(ctx, "prod")
	if len(list) != 1 || list[0].Name != "okta" {
		t.Fatalf("List(prod) = %+v", list)
	}

	if err := s.Delete(ctx, "okta", "prod"); err != nil {
		t.Fatal(err)
	}
	_, err = s.Get(ctx, "okta", "prod")
	wantError(t, err, "no secret okta in environment prod")
	if !errors.Is(err, ErrNotFound) {
		t.Fatal("not ErrNotFound")
	}
	wantError(t, s.Delete(ctx, "okta", "prod"), "no secret okta in environment prod")
}

func TestValidation(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("a", 101)
	tooMany := map[string]string{}
	for i := range 101 {
		tooMany["K"+strings.Repeat("X", i)] = "v"
	}
	tests := []struct {
		name, secret, env string
		keys              map[string]string
		want              string
	}{
		{"ok", "okta_2", "prod-eu", map[string]string{"Api_Token_2": "v"}, ""},
		{"longest name", long[:100], "", map[string]string{"K": "v"}, ""},
		{"upper case name", "Okta", "", map[string]string{"K": "v"}, `invalid secret name "Okta": use 1 to 100 lowercase letters, digits and underscores`},
		{"empty name", "", "", map[string]string{"K": "v"}, `invalid secret name "": use 1 to 100 lowercase letters, digits and underscores`},
		{"hyphen in name", "my-secret", "", map[string]string{"K": "v"}, `invalid secret name "my-secret": use 1 to 100 lowercase letters, digits and underscores`},
		{"name too long", long, "", map[string]string{"K": "v"}, `invalid secret name "` + long + `": use 1 to 100 lowercase letters, digits and underscores`},
		{"oauth name", "github_oauth", "", map[string]string{"K": "v"}, `invalid secret name "github_oauth": names ending in _oauth are kept for OAuth tokens`},
		{"bad environment", "okta", "Prod", map[string]string{"K": "v"}, `invalid environment "Prod": use 1 to 100 lowercase letters, digits, underscores and hyphens`},
		{"no keys", "okta", "", map[string]string{}, "secret okta: give 1 to 100 keys, not 0"},
		{"too many keys", "okta", "", tooMany, "secret okta: give 1 to 100 keys, not 101"},
		{"bad key", "okta", "", map[string]string{"API-TOKEN": "v"}, `secret okta: invalid key name "API-TOKEN": use letters, digits and underscores`},
		{"empty key", "okta", "", map[string]string{"": "v"}, `secret okta: invalid key name "": use letters, digits and underscores`},
		{"empty value", "okta", "", map[string]string{"TOKEN": ""}, "secret okta: key TOKEN has an empty value"},
	}
	s := newStore(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := s.Set(t.Context(), tt.secret, tt.env, tt.keys)
			if tt.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			wantError(t, err, tt.want)
			if !errors.Is(err, ErrInvalid) {
				t.Error("not ErrInvalid")
			}
		})
	}

	varTests := []struct {
		name, variable string
		values         *value.Map
		want           string
	}{
		{"ok", "okta", value.MapOf("base_url", "https://x"), ""},
		{"name 255", strings.Repeat("v", 255), value.MapOf("k", 1), ""},
		{"name too long", strings.Repeat("v", 256), value.MapOf("k", 1), `invalid variable name "` + strings.Repeat("v", 256) + `": use 1 to 255 lowercase letters, digits and underscores`},
		{"upper case name", "Okta", value.MapOf("k", 1), `invalid variable name "Okta": use 1 to 255 lowercase letters, digits and underscores`},
		{"no values", "okta", value.NewMap(0), "variable okta: give 1 to 1000 values, not 0"},
		{"nil values", "okta", nil, "variable okta: give 1 to 1000 values, not 0"},
		{"bad key", "okta", value.MapOf("base.url", 1), `variable okta: invalid key name "base.url": use letters, digits and underscores`},
	}
	for _, tt := range varTests {
		t.Run("var "+tt.name, func(t *testing.T) {
			err := s.SetVar(t.Context(), tt.variable, "", tt.values)
			if tt.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			wantError(t, err, tt.want)
		})
	}
}

func TestVariables(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	s := newStore(t)
	vals := value.MapOf("zeta", 1, "alpha", []any{"a", true}, "mid", value.MapOf("x", nil, "b", 2.5))
	if err := s.SetVar(ctx, "okta", "", vals); err != nil {
		t.Fatal(err)
	}
	if err := s.SetVar(ctx, "okta", "prod", value.MapOf("base_url", "https://prod")); err != nil {
		t.Fatal(err)
	}
	if err := s.SetVar(ctx, "github", "default", value.MapOf("base_url", "https://gh")); err != nil {
		t.Fatal(err)
	}
	got, err := s.GetVar(ctx, "okta", "default")
	if err != nil {
		t.Fatal(err)
	}
	text, _ := value.MarshalJSON(got)
	if want := `{"zeta":1,"alpha":["a",true],"mid":{"x":null,"b":2.5}}`; string(text) != want {
		t.Fatalf("GetVar = %s, want %s (order kept)", text, want)
	}
	all, err := s.Vars(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	text, _ = value.MarshalJSON(all)
	if want := `{"github":{"base_url":"https://gh"},"okta":{"zeta":1,"alpha":["a",true],"mid":{"x":null,"b":2.5}}}`; string(text) != want {
		t.Fatalf("Vars = %s\nwant %s", text, want)
	}
	list, err := s.ListVars(ctx, "")
	if err != nil || len(list) != 3 || list[2].Environment != "prod" {
		t.Fatalf("ListVars = %+v, %v", list, err)
	}
	if err := s.DeleteVar(ctx, "okta", "prod"); err != nil {
		t.Fatal(err)
	}
	wantError(t, s.DeleteVar(ctx, "okta", "prod"), "no variable okta in environment prod")
	_, err = s.GetVar(ctx, "okta", "prod")
	wantError(t, err, "no variable okta in environment prod")
}

func TestSecretSourceCaches(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), FileName)
	key := testKey(t)
	s := openStore(t, path, key, WithEnvironment("prod"))
	other := openStore(t, path, key)
	mustSet(t, other, "okta", "prod", map[string]string{"TOKEN": "one"})
	mustSet(t, other, "okta", "default", map[string]string{"TOKEN": "default"})

	keys, found, err := s.Secret(ctx, "okta")
	if err != nil || !found || keys["TOKEN"] != "one" {
		t.Fatalf("Secret = %v, %v, %v", keys, found, err)
	}
	// Another Store's change is not seen: the value is cached.
	mustSet(t, other, "okta", "prod", map[string]string{"TOKEN": "two"})
	if keys, _, _ := s.Secret(ctx, "okta"); keys["TOKEN"] != "one" {
		t.Fatalf("not cached: %v", keys)
	}
	// The Store's own change is.
	mustSet(t, s, "okta", "prod", map[string]string{"TOKEN": "three"})
	if keys, _, _ := s.Secret(ctx, "okta"); keys["TOKEN"] != "three" {
		t.Fatalf("own change not seen: %v", keys)
	}
	if _, found, err := s.Secret(ctx, "missing"); found || err != nil {
		t.Fatalf("missing: %v %v", found, err)
	}
	if tok, found, err := s.Token(ctx, "github", "authorization_code"); tok != "" || found || err != nil {
		t.Fatalf("Token = %q %v %v", tok, found, err)
	}
}

func TestBlobsAreBoundToTheirRow(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	s := newStore(t)
	mustSet(t, s, "a", "", map[string]string{"K": "value-a"})
	mustSet(t, s, "b", "", map[string]string{"K": "value-b"})
	_, err := s.db.ExecContext(ctx, `UPDATE secrets SET encrypted_keys = (SELECT encrypted_keys FROM secrets WHERE name = 'a') WHERE name = 'b'`)
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.Get(ctx, "b", "")
	wantError(t, err, "secret b (environment default) cannot be decrypted: it was written with another key or is damaged")
	var blob []byte
	if err := s.db.QueryRowContext(ctx, "SELECT encrypted_keys FROM secrets WHERE name = 'a'").Scan(&blob); err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(blob, []byte("value-a")) {
		t.Fatal("value stored in clear")
	}
}

func TestFileModes(t *testing.T) {
	t.Parallel()
	home := filepath.Join(t.TempDir(), "home")
	getenv := func(string) string { return "" }
	key, err := LoadKey(home, getenv)
	if err != nil {
		t.Fatal(err)
	}
	if key.Source() != filepath.Join(home, "key") {
		t.Fatalf("source %q", key.Source())
	}
	s := openStore(t, filepath.Join(home, FileName), key)
	mustSet(t, s, "okta", "", map[string]string{"K": "v"})
	for name, want := range map[string]os.FileMode{"": 0o700, "key": 0o600, FileName: 0o600, FileName + "-wal": 0o600, FileName + "-shm": 0o600} {
		info, err := os.Stat(filepath.Join(home, name))
		if err != nil {
			t.Fatal(err)
		}
		if got := info.Mode().Perm(); got != want {
			t.Errorf("%s: mode %04o, want %04o", name, got, want)
		}
	}
	var mode string
	if err := s.db.QueryRow("PRAGMA journal_mode").Scan(&mode); err != nil || mode != "wal" {
		t.Errorf("journal_mode %q %v", mode, err)
	}
	var fk, sync, timeout int
	if err := s.db.QueryRow("PRAGMA foreign_keys").Scan(&fk); err != nil || fk != 1 {
		t.Errorf("foreign_keys %d %v", fk, err)
	}
	if err := s.db.QueryRow("PRAGMA synchronous").Scan(&sync); err != nil || sync != 1 {
		t.Errorf("synchronous %d %v", sync, err)
	}
	if err := s.db.QueryRow("PRAGMA busy_timeout").Scan(&timeout); err != nil || timeout != 5000 {
		t.Errorf("busy_timeout %d %v", timeout, err)
	}
	// The same key comes back.
	again, err := LoadKey(home, getenv)
	if err != nil || again.Base64() != key.Base64() {
		t.Fatalf("LoadKey again: %v", err)
	}
}

func TestLoadKey(t *testing.T) {
	t.Parallel()
	none := func(string) string { return "" }
	envKey := testKey(t)

	t.Run("environment wins", func(t *testing.T) {
		t.Parallel()
		home := t.TempDir()
		k, err := LoadKey(home, func(n string) string {
			if n == KeyEnv {
				return envKey.Base64()
			}
			return ""
		})
		if err != nil || k.Base64() != envKey.Base64() || k.Source() != KeyEnv || k.File() != "" {
			t.Fatalf("LoadKey: %v", err)
		}
		if _, err := os.Stat(filepath.Join(home, "key")); !os.IsNotExist(err) {
			t.Fatal("a key file was created")
		}
	})
	t.Run("bad environment key", func(t *testing.T) {
		t.Parallel()
		_, err := LoadKey(t.TempDir(), func(string) string { return "c2hvcnQ=" })
		wantError(t, err, `ACTUATE_ENCRYPTION_KEY decodes to 5 bytes; it must hold 32 random bytes in base64, e.g. from "openssl rand -base64 32"`)
		_, err = LoadKey(t.TempDir(), func(string) string { return "not base64!" })
		wantError(t, err, `ACTUATE_ENCRYPTION_KEY is not standard base64; it must hold 32 random bytes in base64, e.g. from "openssl rand -base64 32"`)
	})
	t.Run("readable key file", func(t *testing.T) {
		t.Parallel()
		home := t.TempDir()
		if _, err := LoadKey(home, none); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(home, "key")
		if err := os.Chmod(path, 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := LoadKey(home, none)
		wantError(t, err, `the key file `+path+` can be read by other users (mode 0644); run "chmod 600 `+path+`"`)
	})
	t.Run("raw key file", func(t *testing.T) {
		t.Parallel()
		home := t.TempDir()
		raw := bytes.Repeat([]byte{7}, 32)
		if err := os.WriteFile(filepath.Join(home, "key"), raw, 0o600); err != nil {
			t.Fatal(err)
		}
		k, err := LoadKey(home, none)
		if err != nil || !bytes.Equal(k.b[:], raw) {
			t.Fatalf("raw key: %v", err)
		}
	})
	t.Run("missing key file of an existing store", func(t *testing.T) {
		t.Parallel()
		home := t.TempDir()
		if err := os.WriteFile(filepath.Join(home, FileName), nil, 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := LoadKey(home, none)
		wantError(t, err, "the key file "+filepath.Join(home, "key")+" is missing but the store "+filepath.Join(home, FileName)+
			" exists; restore the key file or set ACTUATE_ENCRYPTION_KEY to the key the store was created with")
	})
	t.Run("key never printed", func(t *testing.T) {
		t.Parallel()
		k := testKey(t)
		for _, s := range []string{k.String(), k.GoString(), k.LogValue().String()} {
			if s != "[encryption key]" {
				t.Fatalf("key printed as %q", s)
			}
		}
	})
}

func TestDefaultPath(t *testing.T) {
	t.Parallel()
	tests := []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"ACTUATE_HOME": "/a", "XDG_DATA_HOME": "/x", "HOME": "/h"}, "/a/actuate.db"},
		{map[string]string{"XDG_DATA_HOME": "/x", "HOME": "/h"}, "/x/actuate/actuate.db"},
		{map[string]string{"HOME": "/h"}, "/h/.local/share/actuate/actuate.db"},
	}
	for _, tt := range tests {
		got, err := DefaultPath(func(n string) string { return tt.env[n] })
		if err != nil || got != tt.want {
			t.Errorf("DefaultPath(%v) = %q, %v; want %q", tt.env, got, err, tt.want)
		}
	}
	_, err := DefaultPath(func(string) string { return "" })
	wantError(t, err, "cannot find a folder for actuate's data: set ACTUATE_HOME (or HOME)")
}

// oldStore makes a store file at schema version 1 (meta and secrets, no
// variables) holding one secret, as the first release would have.
func oldStore(t *testing.T, path string, key Key) {
	t.Helper()
	ctx := t.Context()
	db, err := sql.Open("sqlite", path+"?_txlock=immediate")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := migrate(ctx, db, path, 1); err != nil {
		t.Fatal(err)
	}
	s := &Store{db: db, path: path, env: DefaultEnvironment, key: key, cache: map[string]cached{}}
	if s.aead, err = key.aead(); err != nil {
		t.Fatal(err)
	}
	if err := s.checkKey(ctx); err != nil {
		t.Fatal(err)
	}
	mustSet(t, s, "okta", "", map[string]string{"TOKEN": "old"})
}

func TestMigrateOldStore(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), FileName)
	key := testKey(t)
	oldStore(t, path, key)
	if v := userVersion(t, path); v != 1 {
		t.Fatalf("old store at version %d", v)
	}
	s := openStore(t, path, key)
	if v := userVersion(t, path); v != len(migrations) {
		t.Fatalf("upgraded to %d, want %d", v, len(migrations))
	}
	keys, err := s.Get(ctx, "okta", "")
	if err != nil || keys["TOKEN"] != "old" {
		t.Fatalf("old secret: %v %v", keys, err)
	}
	if err := s.SetVar(ctx, "okta", "", value.MapOf("base_url", "https://x")); err != nil {
		t.Fatal(err)
	}
	s.Close()
	// Reopening a current file changes nothing.
	s = openStore(t, path, key)
	if _, err := s.GetVar(ctx, "okta", ""); err != nil {
		t.Fatal(err)
	}
}

func TestWrongKeyOnOldStoreDoesNotMigrate(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), FileName)
	oldStore(t, path, testKey(t))
	_, err := Open(t.Context(), path, testKey(t))
	var wk *WrongKeyError
	if !errors.As(err, &wk) {
		t.Fatalf("err = %v", err)
	}
	if v := userVersion(t, path); v != 1 {
		t.Fatalf("migrated to %d with a wrong key", v)
	}
}

func TestNewerSchemaRefused(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), FileName)
	key := testKey(t)
	s := openStore(t, path, key)
	s.Close()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("PRAGMA user_version = 7"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	before, _ := os.ReadFile(path)
	_, err = Open(t.Context(), path, key)
	wantError(t, err, fmt.Sprintf("%s was written by a newer actuate (schema 7, this build knows up to %d); upgrade actuate", path, len(migrations)))
	var se *SchemaError
	if !errors.As(err, &se) || se.Version != 7 {
		t.Fatalf("not a SchemaError: %v", err)
	}
	after, _ := os.ReadFile(path)
	if !bytes.Equal(before, after) {
		t.Fatal("the file changed")
	}
}

func TestNotAStore(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "other.db")
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("PRAGMA application_id = 42; CREATE TABLE t (x)"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	_, err = Open(t.Context(), path, testKey(t))
	wantError(t, err, path+" is not an actuate store (SQLite application id 0x2a)")

	path = filepath.Join(t.TempDir(), "plain.db")
	if db, err = sql.Open("sqlite", path); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("CREATE TABLE t (x)"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	_, err = Open(t.Context(), path, testKey(t))
	wantError(t, err, path+" is not an actuate store (a SQLite database with other tables)")
}

func TestWrongKey(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), FileName)
	key := testKey(t)
	s := openStore(t, path, key)
	mustSet(t, s, "okta", "", map[string]string{"TOKEN": "v"})
	s.Close()
	before, _ := os.ReadFile(path)

	wrong, err := ParseKey(testKey(t).Base64(), KeyEnv)
	if err != nil {
		t.Fatal(err)
	}
	_, err = Open(ctx, path, wrong)
	wantError(t, err, "the encryption key does not match this store ("+path+", key from ACTUATE_ENCRYPTION_KEY); set ACTUATE_ENCRYPTION_KEY to the key it was created with")
	after, _ := os.ReadFile(path)
	if !bytes.Equal(before, after) {
		t.Fatal("a wrong key changed the file")
	}
	s = openStore(t, path, key)
	if keys, err := s.Get(ctx, "okta", ""); err != nil || keys["TOKEN"] != "v" {
		t.Fatalf("after a wrong key: %v %v", keys, err)
	}

	// A store opened before another process rotated the key refuses to
	// write under the stale key.
	stale := openStore(t, path, key)
	if err := s.RotateKey(ctx, testKey(t)); err != nil {
		t.Fatal(err)
	}
	err = stale.Set(ctx, "okta", "", map[string]string{"TOKEN": "stale"})
	wantError(t, err, "saving secret okta: the store's encryption key was changed by another actuate (rotate-key) after it was opened; open it again with the new key")
}

// keyFileStore opens a store in a new home folder, keyed by the key file
// LoadKey creates there (as rotate-key needs).
func keyFileStore(t *testing.T) (home, path string, key Key, s *Store) {
	t.Helper()
	home = t.TempDir()
	key, err := LoadKey(home, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	path = filepath.Join(home, FileName)
	return home, path, key, openStore(t, path, key)
}

// wantKeyFile checks that home's key file holds want and that no key.new
// is left behind; it returns the key loaded from the file.
func wantKeyFile(t *testing.T, home string, want Key) Key {
	t.Helper()
	if _, err := os.Stat(filepath.Join(home, "key.new")); !os.IsNotExist(err) {
		t.Fatalf("key.new left behind: %v", err)
	}
	loaded, err := LoadKey(home, func(string) string { return "" })
	if err != nil || loaded.Base64() != want.Base64() {
		t.Fatalf("the key file does not hold the new key: %v", err)
	}
	return loaded
}

// secretBlobs returns the sealed keys of s's secrets in row order, but
// those of the secrets named in except.
func secretBlobs(t *testing.T, s *Store, except ...string) []string {
	t.Helper()
	rows, err := s.db.QueryContext(t.Context(), "SELECT name, encrypted_keys FROM secrets ORDER BY id")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var name string
		var b []byte
		if err := rows.Scan(&name, &b); err != nil {
			t.Fatal(err)
		}
		if !slices.Contains(except, name) {
			out = append(out, string(b))
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestRotateKey(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	home, path, key, s := keyFileStore(t)
	for _, n := range []string{"a", "b", "c"} {
		mustSet(t, s, n, "", map[string]string{"K": "value-" + n})
	}
	mustSet(t, s, "a", "prod", map[string]string{"K": "prod-a"})
	newKey := testKey(t)
	if err := s.RotateKey(ctx, newKey); err != nil {
		t.Fatal(err)
	}
	if keys, err := s.Get(ctx, "b", ""); err != nil || keys["K"] != "value-b" {
		t.Fatalf("after rotation: %v %v", keys, err)
	}
	mustSet(t, s, "d", "", map[string]string{"K": "value-d"})
	s.Close()

	loaded := wantKeyFile(t, home, newKey)
	if _, err := Open(ctx, path, key); err == nil {
		t.Fatal("the old key still opens the store")
	}
	s = openStore(t, path, loaded)
	for _, n := range []string{"a", "b", "c", "d"} {
		if keys, err := s.Get(ctx, n, ""); err != nil || keys["K"] != "value-"+n {
			t.Fatalf("%s: %v %v", n, keys, err)
		}
	}
	if keys, err := s.Get(ctx, "a", "prod"); err != nil || keys["K"] != "prod-a" {
		t.Fatalf("a/prod: %v %v", keys, err)
	}
}

// TestRotateKeyAtomic fails a rotation halfway: nothing may change. It
// sets the package's rotateHook, so it does not run in parallel.
func TestRotateKeyAtomic(t *testing.T) {
	ctx := t.Context()
	home, path, key, s := keyFileStore(t)
	keyFile, _ := os.ReadFile(filepath.Join(home, "key"))
	for _, n := range []string{"a", "b", "c"} {
		mustSet(t, s, n, "", map[string]string{"K": "value-" + n})
	}
	blobs := secretBlobs(t, s)

	rotateHook = func(done int) error {
		if done == 2 {
			return errors.New("injected failure")
		}
		return nil
	}
	t.Cleanup(func() { rotateHook = nil })
	newKey := testKey(t)
	wantError(t, s.RotateKey(ctx, newKey), "injected failure")
	rotateHook = nil

	// The old key still works, in this Store and in a new one.
	if keys, err := s.Get(ctx, "b", ""); err != nil || keys["K"] != "value-b" {
		t.Fatalf("after a failed rotation: %v %v", keys, err)
	}
	mustSet(t, s, "e", "", map[string]string{"K": "value-e"})
	if after := secretBlobs(t, s, "e"); !reflect.DeepEqual(blobs, after) {
		t.Fatal("a failed rotation changed the rows")
	}
	s.Close()
	if got, _ := os.ReadFile(filepath.Join(home, "key")); !bytes.Equal(got, keyFile) {
		t.Fatal("a failed rotation changed the key file")
	}
	if _, err := os.Stat(filepath.Join(home, "key.new")); !os.IsNotExist(err) {
		t.Fatalf("key.new left behind: %v", err)
	}
	if _, err := Open(ctx, path, newKey); err == nil {
		t.Fatal("the new key opens the store")
	}
	s = openStore(t, path, key)
	if keys, err := s.Get(ctx, "c", ""); err != nil || keys["K"] != "value-c" {
		t.Fatalf("reopened: %v %v", keys, err)
	}
}

// TestRotationCutShort: the process died after the store was re-encrypted
// and before key.new replaced the key file; Open with the old key file
// finishes the rotation.
func TestRotationCutShort(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	home, path, key, s := keyFileStore(t)
	mustSet(t, s, "a", "", map[string]string{"K": "value-a"})
	newKey := testKey(t)
	if _, err := stageKey(key.File(), newKey); err != nil {
		t.Fatal(err)
	}
	newAEAD, _ := newKey.aead()
	if err := s.reencrypt(ctx, newAEAD); err != nil {
		t.Fatal(err)
	}
	s.Close()

	s = openStore(t, path, key)
	if keys, err := s.Get(ctx, "a", ""); err != nil || keys["K"] != "value-a" {
		t.Fatalf("after recovery: %v %v", keys, err)
	}
	wantKeyFile(t, home, newKey)
}

// A Store opened before another process's rotation that was cut short
// (key.new renamed by nobody yet) refuses to rotate: staging its own new
// key would replace key.new, the only key that opens the store.
func TestRotateKeyAfterARotationCutShort(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	home, path, key, stale := keyFileStore(t)
	mustSet(t, stale, "a", "", map[string]string{"K": "value-a"})
	other := openStore(t, path, key)
	cutShort := testKey(t)
	if _, err := stageKey(key.File(), cutShort); err != nil {
		t.Fatal(err)
	}
	a, _ := cutShort.aead()
	if err := other.reencrypt(ctx, a); err != nil {
		t.Fatal(err)
	}
	if err := stale.RotateKey(ctx, testKey(t)); !errors.Is(err, errKeyChanged) {
		t.Fatalf("RotateKey on a stale Store: %v, want errKeyChanged", err)
	}
	s := openStore(t, path, key) // finishes the rotation cut short
	if keys, err := s.Get(ctx, "a", ""); err != nil || keys["K"] != "value-a" {
		t.Fatalf("after recovery: %v %v", keys, err)
	}
	wantKeyFile(t, home, cutShort)
}

func TestConcurrentOpenAndWrite(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), FileName)
	key := testKey(t)
	errs := make(chan error, 8)
	for i := range 8 {
		go func() {
			s, err := Open(context.Background(), path, key)
			if err != nil {
				errs <- err
				return
			}
			defer s.Close()
			for j := range 10 {
				name := string(rune('a'+i)) + strings.Repeat("x", j)
				if err := s.Set(context.Background(), name, "", map[string]string{"K": "v"}); err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	for range 8 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	s := openStore(t, path, key)
	list, err := s.List(t.Context(), "")
	if err != nil || len(list) != 80 {
		t.Fatalf("%d secrets, %v", len(list), err)
	}
}

// A snapshot holds what the store holds, and what is written to it stays
// in it.
func TestSnapshot(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	s := newStore(t)
	mustSet(t, s, "api", DefaultEnvironment, map[string]string{"TOKEN": "t0k3n"})
	path := filepath.Join(t.TempDir(), FileName)
	c, err := s.Snapshot(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if keys, found, err := c.Secret(ctx, "api"); err != nil || !found || keys["TOKEN"] != "t0k3n" {
		t.Errorf("the copy's secret api: %v %v %v", keys, found, err)
	}
	mustSet(t, c, "api", DefaultEnvironment, map[string]string{"TOKEN": "changed"})
	mustSet(t, c, "other", DefaultEnvironment, map[string]string{"K": "v"})
	if keys, _, err := s.Secret(ctx, "api"); err != nil || keys["TOKEN"] != "t0k3n" {
		t.Errorf("the store's secret api after a write to the copy: %v %v", keys, err)
	}
	if _, found, err := s.Secret(ctx, "other"); err != nil || found {
		t.Errorf("a secret set in the copy is in the store: %v %v", found, err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("the copy's file: %v %v, want mode 0600", fi, err)
	}
	if _, err := s.Snapshot(ctx, path); err == nil || err.Error() != "copying the store: "+path+" exists" {
		t.Errorf("a snapshot over an existing file: %v", err)
	}
}
