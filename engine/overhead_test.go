package engine

import (
	"testing"

	"github.com/actuatehq/actuate/expr/value"
)

// BenchmarkOverhead measures the engine alone: a one-step template whose
// step calls an action that returns at once, with an input, a secret and
// an interpolated argument, as a real HTTP step has.
func BenchmarkOverhead(b *testing.B) {
	src := `definition:
  title: Overhead
  display_group: Bench
  namespace: tools.bench
  name: overhead
  secrets:
    - {name: api, keys: [TOKEN]}
  expects:
    base_url: {type: str}
    user_id: {type: str}
  steps:
    - ref: get
      action: test.echo
      args:
        value:
          url: ${{ inputs.base_url }}/users/${{ FN.url_encode(inputs.user_id) }}
          method: GET
          headers: {Authorization: "Bearer ${{ SECRETS.api.TOKEN }}"}
  returns: ${{ steps.get.result.url }}
`
	reg := loadTemplates(&testing.T{}, map[string]string{"o.yml": src})
	t, _ := reg.Lookup("tools.bench.overhead")
	opts := Options{Actions: testActions(), Secrets: StaticSecrets{"api": {"TOKEN": "t0k3n"}}}
	inputs := value.MapOf("base_url", "http://127.0.0.1:1", "user_id", "00u1")
	ctx := b.Context()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := RunTemplate(ctx, t, inputs, opts); err != nil {
			b.Fatal(err)
		}
	}
}
