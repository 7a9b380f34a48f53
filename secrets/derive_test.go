package secrets

import (
	"bytes"
	"strings"
	"testing"
)

func TestKeyDerive(t *testing.T) {
	t.Parallel()
	k, err := ParseKey(strings.Repeat("A", 43)+"=", "test")
	if err != nil {
		t.Fatal(err)
	}
	a, err := k.Derive("purpose a")
	if err != nil {
		t.Fatal(err)
	}
	again, _ := k.Derive("purpose a")
	b, _ := k.Derive("purpose b")
	if len(a) != 32 || !bytes.Equal(a, again) || bytes.Equal(a, b) || bytes.Equal(a, k.b[:]) {
		t.Fatalf("subkeys: a=%x again=%x b=%x", a, again, b)
	}
	if _, err := (Key{}).Derive("x"); err == nil || err.Error() != "no encryption key to derive from" {
		t.Fatalf("zero key: %v", err)
	}
	if _, err := k.Derive(""); err == nil || err.Error() != "deriving a key: name its purpose" {
		t.Fatalf("no purpose: %v", err)
	}
}
