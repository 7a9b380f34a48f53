package fn

import (
	"strings"
	"testing"
)

// specFunctions are the 149 functions of Tracecat's FN library
// (tracecat-compat.md §5.10).
var specFunctions = strings.Fields(`
add and at capitalize check_ip_version compact concat contains contains_any_of
contains_none_of datetime days days_between deserialize_json deserialize_ndjson
deserialize_yaml difference div does_not_contain drop_nulls endswith extract_asns
extract_cves extract_domains extract_emails extract_ip extract_ipv4 extract_ipv6
extract_mac extract_md5 extract_sha1 extract_sha256 extract_sha512 extract_urls
flatten flatten_dict format format_datetime from_base64 from_base64url
from_timestamp get_day get_day_of_week get_hour get_interaction get_minute
get_month get_second get_year greater_than greater_than_or_equal hash_md5
hash_sha1 hash_sha256 hash_sha512 hours hours_between intersection ipv4_in_subnet
ipv4_is_public ipv6_in_subnet ipv6_is_public is_empty is_equal is_in is_json
is_not_empty is_not_equal is_not_in is_not_null is_null is_working_hours
iter_product join length less_than less_than_or_equal lookup lowercase map_keys
max merge min minutes minutes_between mod mul normalize_email not not_empty
not_equal not_in not_null now or parse_csv parse_datetime parse_time pow prefix
prettify_json range regex_extract regex_match regex_not_match replace seconds
seconds_between serialize serialize_json serialize_yaml set_timezone slice
slugify split startswith strip sub suffix sum symmetric_difference tabulate
titleize to_base64 to_base64url to_datetime to_isoformat to_keys
to_markdown_list to_markdown_table to_markdown_tasks to_time to_timestamp
to_values today union unique unset_timezone uppercase url_decode url_encode
utcnow uuid4 wall_clock weeks weeks_between windows_filetime zip zip_map`)

func TestLibraryIsComplete(t *testing.T) {
	t.Parallel()
	if len(specFunctions) != 149 {
		t.Fatalf("spec list has %d names, want 149", len(specFunctions))
	}
	for _, name := range specFunctions {
		f, ok := Lookup(name)
		if !ok {
			t.Errorf("FN.%s is not registered", name)
			continue
		}
		if f.Doc == "" {
			t.Errorf("FN.%s has no Doc", name)
		}
	}
	if n := len(All()); n != len(specFunctions) {
		t.Errorf("registry holds %d functions, want %d", n, len(specFunctions))
	}
}

func TestCheckArity(t *testing.T) {
	t.Parallel()
	f := &Func{Name: "f", MinArgs: 1, MaxArgs: 2}
	cases := map[int]string{
		0: "Function 'f' expects at least 1 argument(s) but 0 were provided",
		1: "",
		2: "",
		3: "Function 'f' accepts at most 2 argument(s) but 3 were provided",
	}
	for n, want := range cases {
		err := f.CheckArity(n)
		if got := ""; err != nil {
			got = err.Error()
			if got != want {
				t.Errorf("CheckArity(%d) = %q, want %q", n, got, want)
			}
		} else if want != "" {
			t.Errorf("CheckArity(%d) = nil, want %q", n, want)
		}
	}
	v := &Func{Name: "v", MinArgs: 0, MaxArgs: Variadic}
	if err := v.CheckArity(100); err != nil {
		t.Errorf("variadic: %v", err)
	}
}
