package fn

// The Network/IOC family: IP address checks with the answers of Python's
// ipaddress module (3.13), and indicator-of-compromise extractors with
// Tracecat's regular expressions. Python returns the extracted items as an
// unordered set; these functions return them de-duplicated in the order they
// first appear, so results are deterministic.

import (
	"fmt"
	"net/netip"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

func init() {
	register(&Func{Name: "check_ip_version", MinArgs: 1, MaxArgs: 1,
		Doc: "check_ip_version(ip): 4 or 6", Call: fnCheckIPVersion})
	register(&Func{Name: "ipv4_in_subnet", MinArgs: 2, MaxArgs: 2,
		Doc:  "ipv4_in_subnet(ip, subnet): whether an IPv4 address is in a network such as 10.0.0.0/8",
		Call: func(args ...any) (any, error) { return inSubnet("ipv4_in_subnet", 4, args) }})
	register(&Func{Name: "ipv6_in_subnet", MinArgs: 2, MaxArgs: 2,
		Doc:  "ipv6_in_subnet(ip, subnet): whether an IPv6 address is in a network such as 2001:db8::/32",
		Call: func(args ...any) (any, error) { return inSubnet("ipv6_in_subnet", 6, args) }})
	register(&Func{Name: "ipv4_is_public", MinArgs: 1, MaxArgs: 1,
		Doc: "ipv4_is_public(ip): whether an IPv4 address is globally routable (Python is_global)",
		Call: func(args ...any) (any, error) {
			a, err := ipArg("ipv4_is_public", "ip", args[0], 4)
			if err != nil {
				return nil, err
			}
			return ipv4Global(a), nil
		}})
	register(&Func{Name: "ipv6_is_public", MinArgs: 1, MaxArgs: 1,
		Doc: "ipv6_is_public(ip): whether an IPv6 address is globally routable (Python is_global)",
		Call: func(args ...any) (any, error) {
			a, err := ipArg("ipv6_is_public", "ip", args[0], 6)
			if err != nil {
				return nil, err
			}
			return ipv6Global(a), nil
		}})

	register(&Func{Name: "extract_ipv4", MinArgs: 1, MaxArgs: 2,
		Doc:  "extract_ipv4(text, include_defanged=False): the IPv4 addresses in text",
		Call: func(args ...any) (any, error) { return extractWith("extract_ipv4", args, extractIPv4) }})
	register(&Func{Name: "extract_ipv6", MinArgs: 1, MaxArgs: 2,
		Doc:  "extract_ipv6(text, include_defanged=False): the IPv6 addresses in text",
		Call: func(args ...any) (any, error) { return extractWith("extract_ipv6", args, extractIPv6) }})
	register(&Func{Name: "extract_ip", MinArgs: 1, MaxArgs: 2,
		Doc: "extract_ip(text, include_defanged=False): the IPv4 then the IPv6 addresses in text",
		Call: func(args ...any) (any, error) {
			return extractWith("extract_ip", args, func(text string, defanged bool) []string {
				return append(extractIPv4(text, defanged), extractIPv6(text, defanged)...)
			})
		}})
	register(&Func{Name: "extract_domains", MinArgs: 1, MaxArgs: 2,
		Doc:  "extract_domains(text, include_defanged=False): the domain names in text (not those inside URLs)",
		Call: func(args ...any) (any, error) { return extractWith("extract_domains", args, extractDomains) }})
	register(&Func{Name: "extract_urls", MinArgs: 1, MaxArgs: 3,
		Doc: "extract_urls(text, http_only=False, include_defanged=False): the http(s), ftp(s), sftp, tcp and udp URLs in text", Call: fnExtractURLs})
	register(&Func{Name: "extract_emails", MinArgs: 1, MaxArgs: 2,
		Doc: "extract_emails(text, normalize=False): the email addresses in text, optionally normalized", Call: fnExtractEmails})
	register(&Func{Name: "normalize_email", MinArgs: 1, MaxArgs: 1,
		Doc: "normalize_email(email): lowercase and drop a +tag from the local part", Call: fnNormalizeEmail})
	for _, h := range []struct {
		name string
		re   *regexp.Regexp
		what string
	}{
		{"extract_md5", reMD5, "MD5 hashes (32 hex digits)"},
		{"extract_sha1", reSHA1, "SHA-1 hashes (40 hex digits)"},
		{"extract_sha256", reSHA256, "SHA-256 hashes (64 hex digits)"},
		{"extract_sha512", reSHA512, "SHA-512 hashes (128 hex digits)"},
		{"extract_asns", reASN, "autonomous system numbers such as AS13335"},
	} {
		register(&Func{Name: h.name, MinArgs: 1, MaxArgs: 1,
			Doc: h.name + "(text): the " + h.what + " in text",
			Call: func(args ...any) (any, error) {
				return extractWith(h.name, args[:1], func(text string, _ bool) []string { return findBounded(h.re, text) })
			}})
	}
	register(&Func{Name: "extract_cves", MinArgs: 1, MaxArgs: 1,
		Doc: "extract_cves(text): the CVE identifiers such as CVE-2021-44228 in text",
		Call: func(args ...any) (any, error) {
			return extractWith("extract_cves", args[:1], func(text string, _ bool) []string { return reCVE.FindAllString(text, -1) })
		}})
	register(&Func{Name: "extract_mac", MinArgs: 1, MaxArgs: 1,
		Doc:  "extract_mac(text): the MAC addresses in text, as upper-case AA:BB:CC:DD:EE:FF",
		Call: func(args ...any) (any, error) { return extractWith("extract_mac", args[:1], extractMAC) }})
}

// ---- addresses ----

// ipArg parses an address of the given version (4 or 6; 0 for either).
// IPv6 addresses may carry a zone ("fe80::1%eth0"), as Python accepts.
func ipArg(fn, arg string, v any, version int) (netip.Addr, error) {
	s, err := tnString(fn, arg, v)
	if err != nil {
		return netip.Addr{}, err
	}
	a, perr := netip.ParseAddr(s)
	switch {
	case perr == nil && version == 4 && a.Is4():
		return a, nil
	case perr == nil && version == 6 && a.Is6():
		return a, nil
	case perr == nil && version == 0:
		return a, nil
	}
	what := map[int]string{0: "an IPv4 or IPv6", 4: "an IPv4", 6: "an IPv6"}[version]
	return netip.Addr{}, fmt.Errorf("%s: %s %q is not %s address", fn, arg, s, what)
}

func fnCheckIPVersion(args ...any) (any, error) {
	if n, ok := args[0].(int); ok { // ipaddress.ip_address takes integers too
		switch {
		case n < 0:
			return nil, fmt.Errorf("check_ip_version: ip %d is not an IPv4 or IPv6 address", n)
		case n < 1<<32:
			return 4, nil
		}
		return 6, nil
	}
	a, err := ipArg("check_ip_version", "ip", args[0], 0)
	if err != nil {
		return nil, err
	}
	if a.Is4() {
		return 4, nil
	}
	return 6, nil
}

// parseNetwork parses a network as Python's IPv4Network/IPv6Network do with
// strict=True: "addr/len", a bare address (a single host), and for IPv4 also
// "addr/netmask" or "addr/hostmask". Host bits must be zero.
func parseNetwork(fn, s string, version int) (netip.Prefix, error) {
	kind := map[int]string{4: "IPv4", 6: "IPv6"}[version]
	addrText, maskText, hasMask := strings.Cut(s, "/")
	a, err := netip.ParseAddr(addrText)
	if err != nil || (version == 4 && !a.Is4()) || (version == 6 && !a.Is6()) {
		return netip.Prefix{}, fmt.Errorf("%s: subnet %q is not an %s network such as %s", fn, s, kind, map[int]string{4: "10.0.0.0/8", 6: "2001:db8::/32"}[version])
	}
	a = a.WithZone("")
	bits := a.BitLen()
	if hasMask {
		bits = -1
		if n, err := strconv.Atoi(maskText); err == nil && tmDigits(maskText) && n <= a.BitLen() {
			bits = n
		} else if version == 4 {
			bits = netmaskBits(maskText)
		}
		if bits < 0 {
			return netip.Prefix{}, fmt.Errorf("%s: subnet %q has an invalid prefix length or netmask %q", fn, s, maskText)
		}
	}
	p := netip.PrefixFrom(a, bits)
	if p.Masked().Addr() != a {
		return netip.Prefix{}, fmt.Errorf("%s: subnet %q has host bits set; use %s", fn, s, p.Masked())
	}
	return p, nil
}

// netmaskBits returns the prefix length of a dotted netmask (255.255.0.0) or
// hostmask (0.0.255.255), or -1.
func netmaskBits(s string) int {
	m, err := netip.ParseAddr(s)
	if err != nil || !m.Is4() {
		return -1
	}
	b := m.As4()
	n := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
	for bits := 0; bits <= 32; bits++ {
		mask := uint32(0xffffffff) << (32 - bits)
		if bits == 0 {
			mask = 0
		}
		if n == mask || n == ^mask {
			return bits
		}
	}
	return -1
}

func inSubnet(fn string, version int, args []any) (any, error) {
	a, err := ipArg(fn, "ip", args[0], version)
	if err != nil {
		return nil, err
	}
	s, err := tnString(fn, "subnet", args[1])
	if err != nil {
		return nil, err
	}
	p, err := parseNetwork(fn, s, version)
	if err != nil {
		return nil, err
	}
	return p.Contains(a.WithZone("")), nil
}

func mustPrefixes(ss ...string) []netip.Prefix {
	out := make([]netip.Prefix, len(ss))
	for i, s := range ss {
		out[i] = netip.MustParsePrefix(s)
	}
	return out
}

// The special-purpose networks of Python 3.13's ipaddress: an address is
// private when it is in one of the first list and none of the exceptions.
var (
	ipv4Private = mustPrefixes("0.0.0.0/8", "10.0.0.0/8", "127.0.0.0/8", "169.254.0.0/16",
		"172.16.0.0/12", "192.0.0.0/24", "192.0.0.170/31", "192.0.2.0/24", "192.168.0.0/16",
		"198.18.0.0/15", "198.51.100.0/24", "203.0.113.0/24", "240.0.0.0/4", "255.255.255.255/32")
	ipv4PrivateExceptions = mustPrefixes("192.0.0.9/32", "192.0.0.10/32")
	ipv4Shared            = netip.MustParsePrefix("100.64.0.0/10")
	ipv6Private           = mustPrefixes("::1/128", "::/128", "::ffff:0:0/96", "64:ff9b:1::/48",
		"100::/64", "2001::/23", "2001:db8::/32", "2002::/16", "3fff::/20", "fc00::/7", "fe80::/10")
	ipv6PrivateExceptions = mustPrefixes("2001:1::1/128", "2001:1::2/128", "2001:3::/32",
		"2001:4:112::/48", "2001:20::/28", "2001:30::/28")
)

func inPrefixes(a netip.Addr, ps []netip.Prefix) bool {
	for _, p := range ps {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

func ipv4Global(a netip.Addr) bool {
	private := inPrefixes(a, ipv4Private) && !inPrefixes(a, ipv4PrivateExceptions)
	return !ipv4Shared.Contains(a) && !private
}

func ipv6Global(a netip.Addr) bool {
	a = a.WithZone("")
	if a.Is4In6() {
		return ipv4Global(a.Unmap())
	}
	return !(inPrefixes(a, ipv6Private) && !inPrefixes(a, ipv6PrivateExceptions))
}

// ---- extractors ----

// extractWith runs an extractor on the text argument and the optional
// include_defanged flag, and returns the unique results in first-seen order.
func extractWith(fn string, args []any, extract func(text string, defanged bool) []string) (any, error) {
	text, err := tnString(fn, "text", args[0])
	if err != nil {
		return nil, err
	}
	return iocUnique(extract(text, tnOptBool(args, 1))), nil
}

func iocUnique(items []string) []any {
	seen := make(map[string]bool, len(items))
	out := []any{}
	for _, s := range items {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// replaceAllInOrder applies the (old, new) pairs one after another, as
// Tracecat's functools.reduce over a dict of replacements does.
func replaceAllInOrder(text string, pairs ...string) string {
	for i := 0; i < len(pairs); i += 2 {
		text = strings.ReplaceAll(text, pairs[i], pairs[i+1])
	}
	return text
}

var (
	reIPv4 = regexp.MustCompile(`\b(?:[0-9]{1,3}\.){3}[0-9]{1,3}\b`)
	reIPv6 = regexp.MustCompile(`(?:\b(?:[0-9A-Fa-f]{1,4}:){7}[0-9A-Fa-f]{1,4}\b)` +
		`|(?:\b(?:[0-9A-Fa-f]{1,4}:){0,6}(?:[0-9A-Fa-f]{1,4})?::(?:[0-9A-Fa-f]{1,4}:){0,6}[0-9A-Fa-f]{1,4}?\b)` +
		`|(?:\[(?:[0-9A-Fa-f]{1,4}:){7}[0-9A-Fa-f]{1,4}\])` +
		`|(?:\[(?:[0-9A-Fa-f]{1,4}:){0,6}(?:[0-9A-Fa-f]{1,4})?::(?:[0-9A-Fa-f]{1,4}:){0,6}[0-9A-Fa-f]{1,4}?\])`)
	reMD5    = regexp.MustCompile(`[a-fA-F0-9]{32}`)
	reSHA1   = regexp.MustCompile(`[a-fA-F0-9]{40}`)
	reSHA256 = regexp.MustCompile(`[a-fA-F0-9]{64}`)
	reSHA512 = regexp.MustCompile(`[a-fA-F0-9]{128}`)
	reASN    = regexp.MustCompile(`AS\d+`)
	reCVE    = regexp.MustCompile(`CVE-\d{4}-\d{4,7}`)
	reMAC    = regexp.MustCompile(`[0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2}){5}|[0-9A-Fa-f]{2}(?:-[0-9A-Fa-f]{2}){5}`)
	reEmail  = regexp.MustCompile(`[a-zA-Z0-9._%+-]+@[a-zA-Z0-9.-]+\.[a-zA-Z]{2,}`)
	reDomain = regexp.MustCompile(`^(?:(?:xn--[a-zA-Z0-9]+|[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)\.)+` +
		`(?:xn--[a-zA-Z0-9-]+|[a-zA-Z]{2,})(?:\.(?:xn--[a-zA-Z0-9-]+|[a-zA-Z]{2,}))*`)
	urlBody = `:\/\/(?:www\.)?[-a-zA-Z0-9@:%._\+~#=\x{00A0}-\x{FFFF}]{1,256}(?:\.[a-zA-Z0-9()\x{00A0}-\x{FFFF}]{1,63})+` +
		`(?::\d{1,5})?(?:\/[-a-zA-Z0-9()@:%_\+.~#?&\/=\x{00A0}-\x{FFFF}]*)?`
	reURL     = regexp.MustCompile(`(?:https?|tcp|udp|ftp|sftp|ftps)` + urlBody)
	reHTTPURL = regexp.MustCompile(`(?:https?)` + urlBody)
)

// pyWordRune reports whether r is a word character for Python's \b and \w
// in a str pattern.
func pyWordRune(r rune) bool {
	return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r)
}

func wordBefore(text string, i int) bool {
	r, _ := utf8.DecodeLastRuneInString(text[:i])
	return i > 0 && pyWordRune(r)
}

func wordAfter(text string, i int) bool {
	r, _ := utf8.DecodeRuneInString(text[i:])
	return i < len(text) && pyWordRune(r)
}

// findBounded returns the matches of re (which starts and ends with word
// characters) that stand between Python \b word boundaries.
func findBounded(re *regexp.Regexp, text string) []string {
	var out []string
	for _, m := range re.FindAllStringIndex(text, -1) {
		if !wordBefore(text, m[0]) && !wordAfter(text, m[1]) {
			out = append(out, text[m[0]:m[1]])
		}
	}
	return out
}

func validIPv4(s string) bool {
	a, err := netip.ParseAddr(s)
	return err == nil && a.Is4()
}

func validIPv6(s string) bool {
	a, err := netip.ParseAddr(s)
	return err == nil && a.Is6() && a.Zone() == ""
}

func extractIPv4(text string, defanged bool) []string {
	var out []string
	collect := func(t string) {
		for _, ip := range reIPv4.FindAllString(t, -1) {
			if validIPv4(ip) {
				out = append(out, ip)
			}
		}
	}
	collect(text)
	if defanged {
		collect(replaceAllInOrder(text, "[.]", ".", "(.)", ".", `\.`, ".", "[dot]", ".", " dot ", "."))
	}
	return out
}

func extractIPv6(text string, defanged bool) []string {
	var out []string
	collect := func(t string) {
		for _, ip := range reIPv6.FindAllString(t, -1) {
			ip = strings.TrimSuffix(strings.TrimPrefix(ip, "["), "]")
			if validIPv6(ip) {
				out = append(out, ip)
			}
		}
	}
	collect(text)
	if defanged {
		collect(replaceAllInOrder(text, "[:]", ":", "(:)", ":", `\:`, ":", "[colon]", ":", " colon colon ", "::", " colon ", ":"))
	}
	return out
}

// isDomainGuard reports whether c may not touch a domain: ':', '/' or a
// word character (Tracecat's lookarounds (?<![:/\w]) and (?![:/\w])).
func isDomainGuard(r rune) bool { return r == ':' || r == '/' || pyWordRune(r) }

// findDomains scans text as Python's re.findall does with Tracecat's
// DOMAIN_REGEX: at each start not preceded by a guard character, the
// (atomic) greedy match is taken if no guard character follows it.
func findDomains(text string) []string {
	var out []string
	for i := 0; i < len(text); {
		r, size := utf8.DecodeRuneInString(text[i:])
		if i > 0 {
			if p, _ := utf8.DecodeLastRuneInString(text[:i]); isDomainGuard(p) {
				i += size
				continue
			}
		}
		if r < utf8.RuneSelf && (r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			if m := reDomain.FindStringIndex(text[i:]); m != nil {
				end := i + m[1]
				if a, _ := utf8.DecodeRuneInString(text[end:]); end >= len(text) || !isDomainGuard(a) {
					out = append(out, text[i:end])
					i = end
					continue
				}
			}
		}
		i += size
	}
	return out
}

// validDomain checks a hostname as pydantic's DomainStr does: at most 253
// characters, labels of 1-63 letters, digits and inner hyphens, and an
// alphabetic top-level label of 2-63 characters.
func validDomain(d string) bool {
	if len(d) > 253 {
		return false
	}
	labels := strings.Split(d, ".")
	if len(labels) < 2 {
		return false
	}
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for _, c := range l {
			if !(c == '-' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
				return false
			}
		}
	}
	tld := labels[len(labels)-1]
	for _, c := range tld {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return len(tld) >= 2
}

func extractDomains(text string, defanged bool) []string {
	found := findDomains(text)
	if defanged {
		found = append(found, findDomains(replaceAllInOrder(text,
			"[.]", ".", "(.)", ".", "[dot]", ".", "(dot)", ".", " dot ", ".", `\.`, "."))...)
	}
	var out []string
	for _, d := range found {
		if validDomain(d) {
			out = append(out, d)
		}
	}
	return out
}

// findURLs runs a URL regex and drops trailing characters Tracecat's
// lookbehind (?<![?&=/#.]) forbids at the end of a match.
func findURLs(re *regexp.Regexp, text string) []string {
	var out []string
	for _, u := range re.FindAllString(text, -1) {
		out = append(out, strings.TrimRight(u, "?&=/#."))
	}
	return out
}

func validURL(s string, httpOnly bool) bool {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || u.Hostname() == "" {
		return false
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n > 65535 {
			return false
		}
	}
	return !httpOnly || u.Scheme == "http" || u.Scheme == "https"
}

func fnExtractURLs(args ...any) (any, error) {
	text, err := tnString("extract_urls", "text", args[0])
	if err != nil {
		return nil, err
	}
	httpOnly, defanged := tnOptBool(args, 1), tnOptBool(args, 2)
	re := reURL
	if httpOnly {
		re = reHTTPURL
	}
	found := findURLs(re, text)
	if defanged {
		found = append(found, findURLs(re, replaceAllInOrder(text,
			"[.]", ".", "(.)", ".", "[dot]", ".", "(dot)", ".", " dot ", ".", " colon ", ":",
			"hxxp://", "http://", "hxxps://", "https://", "xxp://", "http://", "xxps://", "https://",
			"xxxp://", "http://", "xxxps://", "https://",
			"http[:]//", "http://", "https[:]//", "https://", "http(:)//", "http://", "https(:)//", "https://",
			"http:[/][/]", "http://", "https:[/][/]", "https://", "http:(/)(/)", "http://", "https:(/)(/)", "https://"))...)
	}
	var out []string
	for _, u := range found {
		if validURL(u, httpOnly) {
			out = append(out, u)
		}
	}
	return iocUnique(out), nil
}

// specialUseDomains are rejected by the email-validator package behind
// pydantic's EmailStr.
var specialUseDomains = []string{"arpa", "invalid", "local", "localhost", "onion", "test"}

// validEmail checks an address as pydantic's EmailStr does (without DNS) and
// returns it normalized the same way: the domain lower-cased.
func validEmail(e string) (string, bool) {
	local, domain, _ := strings.Cut(e, "@")
	if len(local) > 64 || len(e) > 254 || strings.HasPrefix(local, ".") || strings.HasSuffix(local, ".") || strings.Contains(local, "..") {
		return "", false
	}
	domain = strings.ToLower(domain)
	if !validDomain(domain) {
		return "", false
	}
	for _, s := range specialUseDomains {
		if domain == s || strings.HasSuffix(domain, "."+s) {
			return "", false
		}
	}
	return local + "@" + domain, true
}

func normalizeEmail(e string) (string, bool) {
	e = strings.ToLower(e)
	local, domain, ok := strings.Cut(e, "@")
	if !ok || strings.Contains(domain, "@") {
		return "", false
	}
	local, _, _ = strings.Cut(local, "+")
	return local + "@" + domain, true
}

func fnExtractEmails(args ...any) (any, error) {
	text, err := tnString("extract_emails", "text", args[0])
	if err != nil {
		return nil, err
	}
	normalize := tnOptBool(args, 1)
	var out []string
	for _, e := range reEmail.FindAllString(text, -1) {
		v, ok := validEmail(e)
		if !ok {
			continue
		}
		if normalize {
			v, _ = normalizeEmail(v)
		}
		out = append(out, v)
	}
	return iocUnique(out), nil
}

func fnNormalizeEmail(args ...any) (any, error) {
	e, err := tnString("normalize_email", "email", args[0])
	if err != nil {
		return nil, err
	}
	n, ok := normalizeEmail(e)
	if !ok {
		return nil, fmt.Errorf("normalize_email: %q is not an email address; it needs exactly one @", e)
	}
	return n, nil
}

// isMACGuard reports whether c may not touch a MAC address (Tracecat's
// lookarounds (?<![\d:A-Fa-f-]) and (?![\d:A-Fa-f-])).
func isMACGuard(b byte) bool {
	return b == ':' || b == '-' || b >= '0' && b <= '9' || b >= 'a' && b <= 'f' || b >= 'A' && b <= 'F'
}

func extractMAC(text string, _ bool) []string {
	var out []string
	for _, m := range reMAC.FindAllStringIndex(text, -1) {
		if (m[0] > 0 && isMACGuard(text[m[0]-1])) || (m[1] < len(text) && isMACGuard(text[m[1]])) {
			continue
		}
		hex := strings.NewReplacer(":", "", "-", "").Replace(text[m[0]:m[1]])
		parts := make([]string, 6)
		for i := range parts {
			parts[i] = strings.ToUpper(hex[2*i : 2*i+2])
		}
		out = append(out, strings.Join(parts, ":"))
	}
	return out
}
