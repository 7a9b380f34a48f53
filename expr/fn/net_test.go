package fn

import "testing"

func TestIPAddresses(t *testing.T) {
	t.Parallel()
	runTN(t, []tnCase{
		{"v4", "check_ip_version", []any{"192.168.1.1"}, "4", ""},
		{"v6", "check_ip_version", []any{"2001:db8::1"}, "6", ""},
		{"v4 mapped", "check_ip_version", []any{"::ffff:1.2.3.4"}, "6", ""},
		{"v6 zone", "check_ip_version", []any{"fe80::1%eth0"}, "6", ""},
		{"int v4", "check_ip_version", []any{3232235777}, "4", ""},
		{"int v6", "check_ip_version", []any{1 << 40}, "6", ""},
		{"negative int", "check_ip_version", []any{-1}, "", "check_ip_version: ip -1 is not an IPv4 or IPv6 address"},
		{"leading zero", "check_ip_version", []any{"01.2.3.4"}, "", `check_ip_version: ip "01.2.3.4" is not an IPv4 or IPv6 address`},
		{"octet", "check_ip_version", []any{"256.1.1.1"}, "", `check_ip_version: ip "256.1.1.1" is not an IPv4 or IPv6 address`},
		{"name", "check_ip_version", []any{"localhost"}, "", `check_ip_version: ip "localhost" is not an IPv4 or IPv6 address`},
		{"None", "check_ip_version", []any{nil}, "", "check_ip_version: ip must be a string, got NoneType"},

		{"in", "ipv4_in_subnet", []any{"10.1.2.3", "10.0.0.0/8"}, "True", ""},
		{"out", "ipv4_in_subnet", []any{"11.1.2.3", "10.0.0.0/8"}, "False", ""},
		{"all", "ipv4_in_subnet", []any{"10.0.0.1", "0.0.0.0/0"}, "True", ""},
		{"netmask", "ipv4_in_subnet", []any{"192.168.1.5", "192.168.1.0/255.255.255.0"}, "True", ""},
		{"hostmask", "ipv4_in_subnet", []any{"192.168.2.5", "192.168.1.0/0.0.0.255"}, "False", ""},
		{"single host", "ipv4_in_subnet", []any{"192.168.1.5", "192.168.1.5"}, "True", ""},
		{"host bits", "ipv4_in_subnet", []any{"192.168.1.5", "192.168.1.1/24"}, "", `ipv4_in_subnet: subnet "192.168.1.1/24" has host bits set; use 192.168.1.0/24`},
		{"v6 ip", "ipv4_in_subnet", []any{"::1", "10.0.0.0/8"}, "", `ipv4_in_subnet: ip "::1" is not an IPv4 address`},
		{"prefix too long", "ipv4_in_subnet", []any{"10.0.0.1", "10.0.0.0/33"}, "", `ipv4_in_subnet: subnet "10.0.0.0/33" has an invalid prefix length or netmask "33"`},
		{"bad netmask", "ipv4_in_subnet", []any{"10.0.0.1", "10.0.0.0/255.0.255.0"}, "", `ipv4_in_subnet: subnet "10.0.0.0/255.0.255.0" has an invalid prefix length or netmask "255.0.255.0"`},
		{"v6 subnet", "ipv4_in_subnet", []any{"10.0.0.1", "2001:db8::/32"}, "", `ipv4_in_subnet: subnet "2001:db8::/32" is not an IPv4 network such as 10.0.0.0/8`},
		{"subnet not str", "ipv4_in_subnet", []any{"10.0.0.1", 8}, "", "ipv4_in_subnet: subnet must be a string, got int"},

		{"in", "ipv6_in_subnet", []any{"2001:db8::1", "2001:db8::/32"}, "True", ""},
		{"out", "ipv6_in_subnet", []any{"2001:db9::1", "2001:db8::/32"}, "False", ""},
		{"zone", "ipv6_in_subnet", []any{"fe80::1%eth0", "fe80::/10"}, "True", ""},
		{"v4 ip", "ipv6_in_subnet", []any{"10.0.0.1", "::/0"}, "", `ipv6_in_subnet: ip "10.0.0.1" is not an IPv6 address`},
		{"host bits", "ipv6_in_subnet", []any{"2001:db8::1", "2001:db8::1/32"}, "", `ipv6_in_subnet: subnet "2001:db8::1/32" has host bits set; use 2001:db8::/32`},
		{"no netmask form", "ipv6_in_subnet", []any{"2001:db8::1", "2001:db8::/ffff::"}, "", `ipv6_in_subnet: subnet "2001:db8::/ffff::" has an invalid prefix length or netmask "ffff::"`},
		{"v4 subnet", "ipv6_in_subnet", []any{"2001:db8::1", "10.0.0.0/8"}, "", `ipv6_in_subnet: subnet "10.0.0.0/8" is not an IPv6 network such as 2001:db8::/32`},
	})
}

func TestIPPublic(t *testing.T) {
	t.Parallel()
	cases := []tnCase{}
	for ip, want := range map[string]string{
		"8.8.8.8": "True", "1.1.1.1": "True", "10.1.1.1": "False", "172.16.5.4": "False", "172.32.0.1": "True",
		"192.168.0.1": "False", "127.0.0.1": "False", "169.254.1.1": "False", "100.64.0.1": "False",
		"192.0.0.9": "True", "192.0.0.8": "False", "192.0.2.1": "False", "198.18.0.1": "False",
		"224.0.0.1": "True", "240.0.0.1": "False", "255.255.255.255": "False", "0.0.0.0": "False",
	} {
		cases = append(cases, tnCase{ip, "ipv4_is_public", []any{ip}, want, ""})
	}
	for ip, want := range map[string]string{
		"2606:4700:4700::1111": "True", "2001:4860:4860::8888": "True", "::1": "False", "::": "False",
		"fe80::1": "False", "fe80::1%eth0": "False", "fd00::1": "False", "2001:db8::1": "False", "2002::1": "False",
		"2001:20::1": "True", "2001::1": "False", "::ffff:8.8.8.8": "True", "::ffff:10.0.0.1": "False",
	} {
		cases = append(cases, tnCase{ip, "ipv6_is_public", []any{ip}, want, ""})
	}
	cases = append(cases,
		tnCase{"v6 given", "ipv4_is_public", []any{"2001:db8::1"}, "", `ipv4_is_public: ip "2001:db8::1" is not an IPv4 address`},
		tnCase{"v4 given", "ipv6_is_public", []any{"8.8.8.8"}, "", `ipv6_is_public: ip "8.8.8.8" is not an IPv6 address`},
		tnCase{"not str", "ipv6_is_public", []any{6}, "", "ipv6_is_public: ip must be a string, got int"},
	)
	runTN(t, cases)
}

func TestExtractIPs(t *testing.T) {
	t.Parallel()
	defanged4 := `seen 1[.]2[.]3[.]4 and 5(.)6(.)7(.)8 and [9.9.9.9] and 10\.0\.0\.1 and 1[dot]1[dot]1[dot]1 and 2 dot 2 dot 2 dot 2`
	defanged6 := "x 2001[:]db8[:][:]1 y 2001(:)db8(:)(:)2 z 2001 colon db8 colon colon 3 w 2001[colon]db8[colon][colon]4 v 2001\\:db8\\:\\:5"
	runTN(t, []tnCase{
		{"plain", "extract_ipv4", []any{"Hosts 10.0.0.1, 8.8.8.8 and 10.0.0.1; bad 999.1.1.1 and 01.2.3.4, 1.2.3.4.5"}, "['10.0.0.1', '8.8.8.8', '1.2.3.4']", ""},
		{"none", "extract_ipv4", []any{"no addresses"}, "[]", ""},
		{"defanged off", "extract_ipv4", []any{defanged4}, "['9.9.9.9']", ""},
		{"defanged", "extract_ipv4", []any{defanged4, true}, "['9.9.9.9', '1.2.3.4', '5.6.7.8', '10.0.0.1', '1.1.1.1', '2.2.2.2']", ""},
		{"not str", "extract_ipv4", []any{5}, "", "extract_ipv4: text must be a string, got int"},
		{"plain", "extract_ipv6", []any{"a 2001:db8::1 b [fe80::1] c 2001:0db8:85a3:0000:0000:8a2e:0370:7334 d 2001:db8::1 e fe80::1%eth0"},
			"['2001:db8::1', 'fe80::1', '2001:0db8:85a3:0000:0000:8a2e:0370:7334']", ""},
		{"defanged off", "extract_ipv6", []any{defanged6}, "[]", ""},
		{"defanged", "extract_ipv6", []any{defanged6, true}, "['2001:db8::1', '2001:db8::2', '2001:db8::3', '2001:db8::4', '2001:db8::5']", ""},
		{"both", "extract_ip", []any{"2001:db8::1 then 10.0.0.1 and 2001:db8::1 and 10.0.0.1"}, "['10.0.0.1', '2001:db8::1']", ""},
		{"both defanged", "extract_ip", []any{"10[.]0[.]0[.]2 and 2001[:]db8[:][:]9", true}, "['10.0.0.2', '2001:db8::9']", ""},
		{"too many", "extract_ip", []any{"x", true, true}, "", "Function 'extract_ip' accepts at most 2 argument(s) but 3 were provided"},
	})
}

func TestExtractIOCs(t *testing.T) {
	t.Parallel()
	md5 := "d41d8cd98f00b204e9800998ecf8427e"
	sha1 := "da39a3ee5e6b4b0d3255bfef95601890afd80709"
	sha256 := "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
	sha512 := "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e"
	all := "md5 " + md5 + ", sha1 " + sha1 + ", sha256 " + sha256 + ", sha512 " + sha512
	runTN(t, []tnCase{
		{"domains", "extract_domains", []any{"Visit example.com, sub.example.co.uk or https://skip.me/path and mail bob@corp.io. Not a.b, 1.2.3.4, x.123 or host:80.example.com; xn--bcher-kva.example example.com"},
			"['example.com', 'sub.example.co.uk', 'corp.io', 'xn--bcher-kva.example']", ""},
		{"defanged off", "extract_domains", []any{"evil[.]com and bad(.)org and good.net"}, "['good.net']", ""},
		{"defanged", "extract_domains", []any{"evil[.]com and bad(.)org and good.net and x[dot]io and y(dot)io and z dot io and w\\.io", true},
			"['good.net', 'evil.com', 'bad.org', 'x.io', 'y.io', 'z.io', 'w.io']", ""},
		{"label too long", "extract_domains", []any{"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.com ok.com"}, "['ok.com']", ""},
		{"not str", "extract_domains", []any{nil}, "", "extract_domains: text must be a string, got NoneType"},

		{"urls", "extract_urls", []any{"see https://example.com/path?q=1. and http://foo.bar:8080/x/ and ftp://files.example.org/a.txt, tcp://1.2.3.4:80 https://example.com/path?q=1"},
			"['https://example.com/path?q=1', 'http://foo.bar:8080/x', 'ftp://files.example.org/a.txt', 'tcp://1.2.3.4:80']", ""},
		{"http only", "extract_urls", []any{"see https://example.com/path?q=1. and ftp://files.example.org/a.txt", true}, "['https://example.com/path?q=1']", ""},
		{"defanged off", "extract_urls", []any{"hxxps://evil[.]com/payload", false}, "[]", ""},
		{"defanged", "extract_urls", []any{"hxxps://evil[.]com/payload and http[:]//bad(.)org and https:[/][/]x[.]io", false, true},
			"['https://evil.com/payload', 'http://bad.org', 'https://x.io']", ""},
		{"bad port", "extract_urls", []any{"http://example.com:99999/x"}, "[]", ""},
		{"unicode host", "extract_urls", []any{"http://bücher.de/straße ok"}, "['http://bücher.de/straße']", ""},
		{"not str", "extract_urls", []any{[]any{"http://a.io"}}, "", "extract_urls: text must be a string, got list"},

		{"emails", "extract_emails", []any{"Contact John.Doe+news@Example.COM or jane@corp.io; bad: a..b@x.com, x@host.local, .x@a.io, y@foo.test"},
			"['John.Doe+news@example.com', 'jane@corp.io']", ""},
		{"normalized", "extract_emails", []any{"John.Doe+news@Example.COM, jane@corp.io, john.doe@example.com", true}, "['john.doe@example.com', 'jane@corp.io']", ""},
		{"none", "extract_emails", []any{"nobody here"}, "[]", ""},
		{"not str", "extract_emails", []any{1}, "", "extract_emails: text must be a string, got int"},
		{"tag", "normalize_email", []any{"User.Name+Newsletter@Example.COM"}, "'user.name@example.com'", ""},
		{"plain", "normalize_email", []any{"a@b.io"}, "'a@b.io'", ""},
		{"no at", "normalize_email", []any{"nope"}, "", `normalize_email: "nope" is not an email address; it needs exactly one @`},
		{"two ats", "normalize_email", []any{"a@b@c"}, "", `normalize_email: "a@b@c" is not an email address; it needs exactly one @`},
		{"not str", "normalize_email", []any{nil}, "", "normalize_email: email must be a string, got NoneType"},

		{"md5", "extract_md5", []any{all + " " + md5 + " D41D8CD98F00B204E9800998ECF8427E " + md5 + "ff"}, "['" + md5 + "', 'D41D8CD98F00B204E9800998ECF8427E']", ""},
		{"unicode boundary", "extract_md5", []any{"é" + md5 + " _" + md5}, "[]", ""},
		{"sha1", "extract_sha1", []any{all}, "['" + sha1 + "']", ""},
		{"sha256", "extract_sha256", []any{all}, "['" + sha256 + "']", ""},
		{"sha512", "extract_sha512", []any{all + " " + sha512}, "['" + sha512 + "']", ""},
		{"not str", "extract_sha256", []any{1.5}, "", "extract_sha256: text must be a string, got float"},
		{"arity", "extract_md5", []any{"x", true}, "", "Function 'extract_md5' accepts at most 1 argument(s) but 2 were provided"},

		{"cves", "extract_cves", []any{"CVE-2021-44228 and CVE-2014-0160, CVE-2021-44228 again, cve-2020-1234 lower, CVE-2021-123456789"},
			"['CVE-2021-44228', 'CVE-2014-0160', 'CVE-2021-1234567']", ""},
		{"asns", "extract_asns", []any{"AS13335 and AS15169, not XAS1 or AS12a, AS13335"}, "['AS13335', 'AS15169']", ""},
		{"macs", "extract_mac", []any{"00:11:22:aa:bb:cc and 00-11-22-AA-BB-CD, not 00:11:22:33:44:55:66 or 00:11-22:33:44:55 or 000:11:22:33:44:55"},
			"['00:11:22:AA:BB:CC', '00:11:22:AA:BB:CD']", ""},
		{"not str", "extract_mac", []any{nil}, "", "extract_mac: text must be a string, got NoneType"},
	})
}
