package fn

import "testing"

func TestGetInteraction(t *testing.T) {
	t.Parallel()
	runTN(t, []tnCase{
		{"none", "get_interaction", nil, "None", ""},
		{"args", "get_interaction", []any{1}, "", "Function 'get_interaction' accepts at most 0 argument(s) but 1 were provided"},
	})
}

func TestNetFunctionsRegistered(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"check_ip_version", "ipv4_in_subnet", "ipv6_in_subnet", "ipv4_is_public",
		"ipv6_is_public", "extract_ip", "extract_ipv4", "extract_ipv6", "extract_domains", "extract_urls",
		"extract_emails", "extract_md5", "extract_sha1", "extract_sha256", "extract_sha512", "extract_cves",
		"extract_asns", "extract_mac", "normalize_email", "get_interaction"} {
		if f, ok := Lookup(name); !ok || f.Doc == "" {
			t.Errorf("%s is not registered or has no doc", name)
		}
	}
}
