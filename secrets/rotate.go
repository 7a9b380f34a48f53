package secrets

import (
	"context"
	"crypto/cipher"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// rotateHook, when set by a test, runs after each secret is re-encrypted
// inside the rotation's transaction; an error aborts the rotation.
var rotateHook func(done int) error

// RotateKey re-encrypts every secret, the credentials of every OAuth
// integration and the key check value with newKey in one transaction: on
// any error nothing changes and the old key stays in use.
//
// When the store's key came from a key file, newKey replaces it there,
// safely: newKey is first written to the file's side file "key.new", the
// store is re-encrypted, and then key.new is renamed over the key file.
// If the process dies between the two, [Open] with the old key finds
// key.new and finishes the rotation. When the key came from
// ACTUATE_ENCRYPTION_KEY, the caller must tell the user to change the
// variable.
func (s *Store) RotateKey(ctx context.Context, newKey Key) error {
	newAEAD, err := newKey.aead()
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()

	file := s.key.file
	pending := ""
	if file != "" {
		// Another process may have rotated the key since this Store was
		// opened, and died before renaming key.new: then key.new holds
		// the only key that opens the store, and staging would replace
		// it. Check the key first; a rotation that commits meanwhile
		// holds the write lock this check waits for.
		if err := s.stillOurKey(ctx); err != nil {
			return err
		}
		if pending, err = stageKey(file, newKey); err != nil {
			return err
		}
	}
	if err := s.reencrypt(ctx, newAEAD); err != nil {
		if pending != "" && !errors.Is(err, errCommit) {
			os.Remove(pending)
		}
		return err
	}
	if file != "" {
		if err := os.Rename(pending, file); err != nil {
			return fmt.Errorf("the store is re-encrypted with the new key in %s but it could not replace %s (%v); rename it by hand", pending, file, err)
		}
		syncDir(filepath.Dir(file))
		newKey.from, newKey.file = file, file
	}
	s.key, s.aead = newKey, newAEAD
	return nil
}

// stillOurKey reports errKeyChanged when the store's key is no longer
// the one this Store holds.
func (s *Store) stillOurKey(ctx context.Context) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("rotating the key: %w", err)
	}
	defer tx.Rollback()
	return s.verifyKey(ctx, tx, s.aead)
}

// errCommit marks a failed commit, after which the new key file is kept:
// the rotation's outcome is unknown, and Open resolves it.
var errCommit = errors.New("commit failed")

func (s *Store) reencrypt(ctx context.Context, newAEAD cipher.AEAD) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("rotating the key: %w", err)
	}
	defer tx.Rollback()
	if err := s.verifyKey(ctx, tx, s.aead); err != nil {
		return err
	}
	type row struct {
		id        int64
		name, env string
		blob      []byte
	}
	var all []row
	rows, err := tx.QueryContext(ctx, "SELECT id, name, environment, encrypted_keys FROM secrets ORDER BY id")
	if err != nil {
		return fmt.Errorf("rotating the key: %w", err)
	}
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.id, &r.name, &r.env, &r.blob); err != nil {
			rows.Close()
			return fmt.Errorf("rotating the key: %w", err)
		}
		all = append(all, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("rotating the key: %w", err)
	}
	for i, r := range all {
		ad := secretAD(r.name, r.env)
		plain, err := open(s.aead, r.blob, ad)
		if err != nil {
			return fmt.Errorf("rotating the key: secret %s (environment %s) cannot be decrypted: it was written with another key or is damaged", r.name, r.env)
		}
		blob, err := seal(newAEAD, plain, ad)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "UPDATE secrets SET encrypted_keys = ? WHERE id = ?", blob, r.id); err != nil {
			return fmt.Errorf("rotating the key: %w", err)
		}
		if rotateHook != nil {
			if err := rotateHook(i + 1); err != nil {
				return err
			}
		}
	}
	if err := s.reencryptIntegrations(ctx, tx, newAEAD); err != nil {
		return err
	}
	check, err := seal(newAEAD, []byte(checkText), checkAD)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, "UPDATE meta SET value = ? WHERE name = ?", check, checkName); err != nil {
		return fmt.Errorf("rotating the key: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("rotating the key: %w: %v", errCommit, err)
	}
	return nil
}

// stageKey writes k to the side file key.new next to the key file, whole
// or not at all, and returns its path.
func stageKey(file string, k Key) (string, error) {
	tmp, err := writeKeyTemp(file, k)
	if err != nil {
		return "", err
	}
	pending := file + ".new"
	if err := os.Rename(tmp, pending); err != nil {
		os.Remove(tmp)
		return "", fmt.Errorf("writing the new key file: %w", err)
	}
	syncDir(filepath.Dir(file))
	return pending, nil
}

// finishRotation is called when the key does not open the store. If the
// key came from a key file and key.new next to it does open the store, a
// rotation committed but did not rename key.new: finish it and use that
// key.
func (s *Store) finishRotation(check []byte) (bool, error) {
	file := s.key.file
	if file == "" {
		return false, nil
	}
	k, err := readKeyFile(file + ".new")
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	a, err := k.aead()
	if err != nil {
		return false, err
	}
	if plain, err := open(a, check, checkAD); err != nil || string(plain) != checkText {
		return false, nil
	}
	if err := os.Rename(file+".new", file); err != nil {
		return false, fmt.Errorf("finishing a key rotation: %w", err)
	}
	syncDir(filepath.Dir(file))
	k.from, k.file = file, file
	s.mu.Lock()
	s.key, s.aead = k, a
	s.mu.Unlock()
	return true, nil
}
