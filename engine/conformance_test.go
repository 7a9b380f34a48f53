package engine_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/actuatehq/actuate/engine"
)

// conformanceFolder is a folder of templates, one per outcome of
// engine.Conformance, keyed by file name.
var conformanceFolder = []struct {
	file, yaml string
	want       engine.ConformanceResult
}{
	{
		file: "ok.yml",
		yaml: `type: action
definition:
  title: Get user
  display_group: Test
  namespace: tools.test
  name: get_user
  secrets:
    - name: api
      keys: [API_KEY]
    - type: oauth
      provider_id: github
      grant_type: authorization_code
  expects:
    id: {type: int}
    tags: {type: "list[str]"}
  steps:
    - ref: get
      action: core.http_request
      args:
        url: ${{ VARS.api.base_url }}/users/${{ inputs.id }}
        method: GET
        headers:
          Authorization: Bearer ${{ SECRETS.api.API_KEY }}
          X-Token: ${{ SECRETS.github_oauth.GITHUB_USER_TOKEN }}
          X-Region: ${{ VARS.api.region }}
  returns: ${{ steps.get.result.data }}
`,
		want: engine.ConformanceResult{File: "ok.yml", Action: "tools.test.get_user", Validated: true, Completed: true},
	},
	{
		file: "slack.yml",
		yaml: `type: action
definition:
  title: Slack
  display_group: Test
  namespace: tools.test
  name: slack
  expects: {}
  steps:
    - ref: call
      action: tools.slack_sdk.call_method
      args:
        method: chat.postMessage
  returns: ${{ steps.call.result }}
`,
		want: engine.ConformanceResult{File: "slack.yml", Action: "tools.test.slack", Validated: true,
			Reason: engine.ReasonUnsupportedAction, UnsupportedAction: "tools.slack_sdk.call_method",
			Error: `slack.yml:9:7: step "call" (tools.slack_sdk.call_method) of tools.test.slack failed: no action named "tools.slack_sdk.call_method": it is not a registered action, and no loaded template defines it (add its folder with --registry, or give the template's file path)`},
	},
	{
		file: "nested/expr.yml",
		yaml: `type: action
definition:
  title: Name
  display_group: Test
  namespace: tools.test
  name: user_name
  expects:
    id: {type: str}
  steps:
    - ref: get
      action: tools.test.get_user
      args:
        id: 7
        tags: [a]
  returns: ${{ FN.lowercase(steps.get.result.name) }}
`,
		want: engine.ConformanceResult{File: "nested/expr.yml", Action: "tools.test.user_name", Validated: true,
			Reason: engine.ReasonExpression,
			Error:  `nested/expr.yml:15:16: error evaluating "${{ FN.lowercase(steps.get.result.name) }}": lowercase: argument 1 must be a string, got None (NoneType)`},
	},
	{
		file: "poll.yml",
		yaml: `type: action
definition:
  title: Poll
  display_group: Test
  namespace: tools.test
  name: poll
  expects: {}
  steps:
    - ref: wait
      action: core.http_poll
      args:
        url: https://api.example.com/jobs/1
        method: GET
        poll_condition: "lambda x: x['data'].get('state') == 'done'"
        poll_interval: 0
        poll_max_attempts: 2
  returns: ${{ steps.wait.result.data }}
`,
		want: engine.ConformanceResult{File: "poll.yml", Action: "tools.test.poll", Validated: true,
			Reason: engine.ReasonHTTP,
			Error:  `poll.yml:9:7: step "wait" (core.http_poll) of tools.test.poll failed: RetryError: polling GET https://api.example.com/jobs/1 gave up after 2 attempts; the last response had status 200`},
	},
	{
		file: "wrong_arg.yml",
		yaml: `type: action
definition:
  title: Wrong argument
  display_group: Test
  namespace: tools.test
  name: wrong_arg
  expects: {}
  steps:
    - ref: get
      action: tools.test.get_user
      args:
        id: ${{ "seven" }}
        tags: [a]
  returns: ${{ steps.get.result }}
`,
		want: engine.ConformanceResult{File: "wrong_arg.yml", Action: "tools.test.wrong_arg", Validated: true,
			Reason: engine.ReasonInput,
			Error:  `wrong_arg.yml:9:7: step "get" (tools.test.get_user) of tools.test.wrong_arg failed: invalid inputs for tools.test.get_user:`},
	},
	{
		file: "invalid.yml",
		yaml: `type: action
definition:
  title: Invalid
  display_group: Test
  namespace: tools.test
  name: invalid
  expects: {}
  steps:
    - ref: get
      action: core.http_request
      args:
        url: https://api.example.com
        methd: GET
  returns: ${{ steps.get.result }}
`,
		want: engine.ConformanceResult{File: "invalid.yml", Action: "tools.test.invalid",
			Error: `invalid.yml:13:9: core.http_request has no argument "methd"; did you mean "method"?`},
	},
}

// TestConformanceFolder runs engine.Conformance over a folder with one
// template per outcome and checks each result and the rendered report.
func TestConformanceFolder(t *testing.T) {
	dir := t.TempDir()
	for _, c := range conformanceFolder {
		path := filepath.Join(dir, filepath.FromSlash(c.file))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(c.yaml), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	rep, err := engine.Conformance(t.Context(), dir, engine.ConformanceOptions{})
	if err != nil {
		t.Fatal(err)
	}
	byFile := map[string]engine.ConformanceResult{}
	for _, r := range rep.Results {
		byFile[r.File] = r
	}
	for _, c := range conformanceFolder {
		t.Run(c.file, func(t *testing.T) {
			got, ok := byFile[c.file]
			if !ok {
				t.Fatalf("no result for %s", c.file)
			}
			if got != c.want {
				t.Errorf("got  %+v\nwant %+v", got, c.want)
			}
		})
	}

	const summary = "| templates | count |\n" +
		"| --- | ---: |\n" +
		"| total | 6 |\n" +
		"| validated | 5 |\n" +
		"| ran to completion | 1 |\n" +
		"| failed: unsupported action | 1 |\n" +
		"| failed: expression error | 1 |\n" +
		"| failed: HTTP error | 1 |\n" +
		"| failed: input error | 1 |\n" +
		"| failed: missing secret | 0 |\n" +
		"| failed: timeout | 0 |\n" +
		"| failed: other | 0 |\n" +
		"\n" +
		"| unsupported action | templates |\n" +
		"| --- | ---: |\n" +
		"| `tools.slack_sdk.call_method` | 1 |\n"
	if got := rep.Summary(); got != summary {
		t.Errorf("Summary:\n%s\nwant:\n%s", got, summary)
	}
	const failures = "| file | result | error |\n" +
		"| --- | --- | --- |\n" +
		"| invalid.yml | not validated | invalid.yml:13:9: core.http_request has no argument \"methd\"; did you mean \"method\"? |\n" +
		"| nested/expr.yml | expression error | nested/expr.yml:15:16: error evaluating \"${{ FN.lowercase(steps.get.result.name) }}\": lowercase: argument 1 must be a string, got None (NoneType) |\n" +
		"| poll.yml | HTTP error | poll.yml:9:7: step \"wait\" (core.http_poll) of tools.test.poll failed: RetryError: polling GET https://api.example.com/jobs/1 gave up after 2 attempts; the last response had status 200 |\n" +
		"| wrong_arg.yml | input error | wrong_arg.yml:9:7: step \"get\" (tools.test.get_user) of tools.test.wrong_arg failed: invalid inputs for tools.test.get_user: |\n"
	if got := rep.Failures(); got != failures {
		t.Errorf("Failures:\n%s\nwant:\n%s", got, failures)
	}

	data, err := rep.JSON()
	if err != nil {
		t.Fatal(err)
	}
	var back engine.ConformanceReport
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatalf("JSON does not decode: %v\n%s", err, data)
	}
	if back.Templates != 6 || back.Validated != 5 || back.Completed != 1 || back.Failed[engine.ReasonHTTP] != 1 ||
		back.Unsupported["tools.slack_sdk.call_method"] != 1 || len(back.Results) != 6 {
		t.Errorf("JSON round trip lost counts:\n%s", data)
	}
	if !strings.Contains(string(data), `"failed": {`) {
		t.Errorf("JSON has no failed counts:\n%s", data)
	}
}

// TestConformanceMissingFolder: a folder that cannot be read is an error.
func TestConformanceMissingFolder(t *testing.T) {
	if _, err := engine.Conformance(t.Context(), filepath.Join(t.TempDir(), "nope"), engine.ConformanceOptions{}); err == nil {
		t.Fatal("no error for a missing folder")
	}
}

// TestCorpusConformance runs engine.Conformance over the Tracecat corpus and
// pins the outcome, so that a change in what runs shows.
func TestCorpusConformance(t *testing.T) {
	dir := os.Getenv("ACTUATE_CORPUS")
	if dir == "" {
		t.Skip("ACTUATE_CORPUS is not set: set it to the Tracecat template corpus to run the replay conformance test")
	}
	// The one template that waits is cut off after 3 seconds instead of
	// 10; the others take milliseconds, so the counts are the same.
	rep, err := engine.Conformance(t.Context(), dir, engine.ConformanceOptions{Timeout: 3 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Log("\n" + rep.Summary() + "\n" + rep.Failures())
	if rep.Templates != 672 || rep.Validated != rep.Templates {
		t.Errorf("%d of %d templates validate; want all 672", rep.Validated, rep.Templates)
	}
	if rep.Completed != 612 {
		t.Errorf("%d templates ran to completion; want 612", rep.Completed)
	}
	want := map[engine.Reason]int{
		// Slack SDK tools (38): Python UDFs actuate does not provide.
		engine.ReasonUnsupportedAction: 38,
		// Seven rootly templates pass the response data to
		// FN.deserialize_json, which needs the text of Rootly's
		// application/vnd.api+json responses; the responder's {} is JSON,
		// so the data is a dict.
		engine.ReasonExpression: 7,
		// sentinel_one.list_agent_ids: a Python lambda iterates over
		// data.data, which {} lacks (TypeError: 'NoneType' object is not
		// iterable); zendesk.get_ticket_attachments: its Python step
		// likewise. Python steps that reject the synthesized inputs with
		// exceptions of their own (ValueError, KeyError): two Defender
		// updates and a Terraform lookup want one of several optional
		// inputs, four Google SCC steps want resource names, a Splunk step
		// wants keys in list items. Three CrowdStrike steps call
		// .isoformat() on datetime inputs, which arrive as ISO text (§2.3
		// of the compatibility spec).
		engine.ReasonOther: 13,
		// sublime.scan_file (binexplode.yml) polls until the task state is
		// "succeeded", with waits of 2, 4, 8… seconds; {} never is.
		// sentinel_one.powerquery polls likewise.
		engine.ReasonTimeout: 2,
	}
	for _, reason := range engine.Reasons {
		if got := rep.Failed[reason]; got != want[reason] {
			t.Errorf("failed: %s: %d templates; want %d", reason, got, want[reason])
		}
	}
	wantUnsupported := map[string]int{
		"tools.slack_sdk.call_method":           34,
		"tools.slack_sdk.call_paginated_method": 4,
	}
	for name, n := range wantUnsupported {
		if rep.Unsupported[name] != n {
			t.Errorf("unsupported %s: %d templates; want %d", name, rep.Unsupported[name], n)
		}
	}
	if len(rep.Unsupported) != len(wantUnsupported) {
		t.Errorf("unsupported actions: %v; want %v", rep.Unsupported, wantUnsupported)
	}
}
