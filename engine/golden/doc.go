// Package golden runs golden tests of templates: test case files
// (*.test.yaml) beside the templates, each case an action run with given
// inputs, fake secrets and variables against a cassette of recorded HTTP
// interactions, and what the run must produce: a golden result file, or an
// exact error, and optionally the exact requests sent.
//
// A case file is a list of cases, or a mapping with a cases key:
//
//	cases:
//	  - name: lists_repos              # required; letters, digits, _ - .
//	    action: tools.github.list_repos # optional: a name, or a template path
//	                                   # relative to this file; omitted, the
//	                                   # template beside the file
//	    inputs: {owner: actuatehq}
//	    secrets: {github_oauth: {GITHUB_USER_TOKEN: gho_fake}} # name → key → value
//	    oauth:                         # optional: a token store's integrations
//	      - provider_id: custom_alerts # custom_<name>, or a built-in id
//	        grant_type: authorization_code # or client_credentials
//	        client_id: alerts-client
//	        client_secret: fake-secret
//	        authorization_endpoint: https://auth.example.com/authorize # custom, authorization_code
//	        token_endpoint: https://auth.example.com/token # custom; optional for a built-in
//	        access_token: expired-token
//	        refresh_token: fake-refresh # optional
//	        expires_in_seconds: -3600  # negative: expired; omitted: never
//	    vars: {github: {base_url: https://ghe.example.com/api/v3}}
//	    cassette: _cassettes/list_repos.yaml # a file relative to this file, or
//	                                   # inline: a cassette mapping or a list
//	                                   # of interactions
//	    live: https://api.github.com   # optional: what --update records against
//	    golden: list_repos.lists_repos.golden.json # the default
//	    requests:                      # optional: exactly these, in order
//	      - {method: GET, url: "https://api.github.com/orgs/actuatehq/repos?per_page=30&type=all"}
//	    # error: "..."                 # instead of a golden: the exact error
//
// A case runs with no network: its requests are answered from its cassette
// (a case without one has an empty cassette, so any request fails), and it
// fails when a request matches no interaction or an interaction goes
// unused. Its result, masked as [engine.Result.Redacted] masks it, is
// normalised (see [Normalize]) and compared byte for byte with the golden
// file. An expected error is compared exactly with the run's, after paths
// are made relative to the case file's folder. Expected requests are
// compared after scrubbing, as the cassette records them (secrets as
// <secret:NAME.KEY> placeholders): method, URL (query parameters in name
// order) and body (JSON normalised) always, and the headers the
// expectation names. Failures come with a unified diff ([Diff]).
//
// A case with oauth entries runs with a token store in a temporary folder
// (a new key; closed and deleted after the case), each integration
// configured and its token saved, layered under the case's secrets. The
// store's token requests go through the run's transport: a refresh is an
// interaction of the cassette and a request of requests. The entries'
// client secrets and tokens are scrubbed as <secret:PROVIDER.client_secret>,
// <secret:PROVIDER.access_token> and <secret:PROVIDER.refresh_token>; a
// refreshed token is the token response's access_token, which a recording
// scrubs as <secret:access_token>. A bad entry (a missing or unknown key,
// an unknown grant type or provider, a custom provider without its
// endpoints, an empty client id, client secret or access token, a refresh
// token for client credentials, expires_in_seconds not a whole number, a
// provider and grant given twice) is a [*LoadError] at its position.
//
// With [Options.Update], a case's golden file is rewritten from its run;
// a case with a live URL and a cassette file is first recorded: the run
// sends every request to the live URL's scheme and host, and the cassette
// keeps the URL the template built. Inline cassettes, expected errors and
// expected requests are never rewritten.
//
// Cassette files are best kept in a folder whose name starts with "_"
// (_cassettes/), which the template loader and the case finder skip.
//
// [Load] finds and loads case files (and the templates of their folders,
// one registry per folder, for the actions named and called); [Suite.Run]
// runs the cases in parallel; [Run] runs them as subtests of a Go test.
package golden
