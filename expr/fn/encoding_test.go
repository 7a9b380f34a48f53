package fn

import (
	"regexp"
	"testing"
)

func TestEncoding(t *testing.T) {
	t.Parallel()
	runCases(t, []fnCase{
		{name: "text", fn: "to_base64", args: l("héllo?>"), want: "aMOpbGxvPz4="},
		{name: "empty", fn: "to_base64", args: l(""), want: ""},
		{name: "null", fn: "to_base64", args: l(nil), err: "to_base64: argument 1 must be a string, got None (NoneType)"},
		{name: "text", fn: "from_base64", args: l("aMOpbGxvPz4="), want: "héllo?>"},
		{name: "junk skipped", fn: "from_base64", args: l("aGk=\n"), want: "hi"},
		{name: "after padding ignored", fn: "from_base64", args: l("aGk=aGk="), want: "hi"},
		{name: "bad padding", fn: "from_base64", args: l("aGk"), err: "from_base64: invalid base64 input: Incorrect padding"},
		{name: "bad length", fn: "from_base64", args: l("aGVsb"), err: "from_base64: invalid base64 input: number of data characters (5) cannot be 1 more than a multiple of 4"},
		{name: "not utf8", fn: "from_base64", args: l("/w=="), err: "from_base64: the decoded bytes are not UTF-8 text (invalid byte 0xff at position 0)"},
		{name: "url alphabet dropped", fn: "from_base64", args: l("aM-pbGxvPz4="), err: "from_base64: invalid base64 input: Incorrect padding"},
		{name: "null", fn: "from_base64", args: l(nil), err: "from_base64: argument 1 must be a string, got None (NoneType)"},

		{name: "text", fn: "to_base64url", args: l("héllo?>"), want: "aMOpbGxvPz4="},
		{name: "url chars", fn: "to_base64url", args: l("\u00ff\u00fe?"), want: "w7_Dvj8="},
		{name: "null", fn: "to_base64url", args: l(1), err: "to_base64url: argument 1 must be a string, got 1 (int)"},
		{name: "url chars", fn: "from_base64url", args: l("w7_Dvj8="), want: "\u00ff\u00fe?"},
		{name: "standard chars too", fn: "from_base64url", args: l("w7/Dvj8="), want: "\u00ff\u00fe?"},
		{name: "missing padding", fn: "from_base64url", args: l("w7_Dvj8"), err: "from_base64url: invalid base64 input: Incorrect padding"},

		{name: "md5", fn: "hash_md5", args: l("abc"), want: "900150983cd24fb0d6963f7d28e17f72"},
		{name: "sha1", fn: "hash_sha1", args: l("abc"), want: "a9993e364706816aba3e25717850c26c9cd0d89d"},
		{name: "sha256", fn: "hash_sha256", args: l("abc"), want: "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
		{name: "sha512", fn: "hash_sha512", args: l(""), want: "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e"},
		{name: "utf8", fn: "hash_md5", args: l("é"), want: "66ddcd97cfdeabb2f6fb8a999b4bc76f"},
		{name: "null", fn: "hash_sha256", args: l(nil), err: "hash_sha256: argument 1 must be a string, got None (NoneType)"},
	})
}

func TestUUID4(t *testing.T) {
	t.Parallel()
	f, _ := Lookup("uuid4")
	re := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	seen := map[any]bool{}
	for range 100 {
		u, err := f.Call()
		if err != nil {
			t.Fatal(err)
		}
		if !re.MatchString(u.(string)) {
			t.Fatalf("uuid4() = %q, not a version 4 UUID", u)
		}
		if seen[u] {
			t.Fatalf("uuid4() repeated %q", u)
		}
		seen[u] = true
	}
	if err := f.CheckArity(1); err == nil {
		t.Fatal("uuid4 accepts an argument")
	}
}
