package secrets_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/actuatehq/actuate/engine"
	"github.com/actuatehq/actuate/expr/value"
	"github.com/actuatehq/actuate/secrets"
)

// A Store is what engine.Options.Secrets takes.
var (
	_ engine.SecretSource = (*secrets.Store)(nil)
	_ engine.StoredTokens = (*secrets.Store)(nil)
)

func Example() {
	ctx := context.Background()
	home, _ := os.MkdirTemp("", "actuate")
	defer os.RemoveAll(home)
	getenv := func(name string) string {
		if name == "ACTUATE_HOME" {
			return home
		}
		return ""
	}

	key, err := secrets.LoadKey(home, getenv) // creates home/key on first use
	if err != nil {
		panic(err)
	}
	path, _ := secrets.DefaultPath(getenv)
	store, err := secrets.Open(ctx, path, key, secrets.WithEnvironment("prod"))
	if err != nil {
		panic(err)
	}
	defer store.Close()

	_ = store.Set(ctx, "okta", "prod", map[string]string{"OKTA_API_TOKEN": "00a..."})
	_ = store.SetVar(ctx, "okta", "prod", value.MapOf("base_url", "https://acme.okta.com"))

	list, _ := store.List(ctx, "")
	for _, s := range list {
		fmt.Println(s.Name, s.Environment, s.Keys)
	}
	vars, _ := store.Vars(ctx, "prod")
	text, _ := value.MarshalJSON(vars)
	fmt.Println(string(text))
	_, found, _ := store.Secret(ctx, "okta")
	fmt.Println(filepath.Base(path), found)
	// Output:
	// okta prod [OKTA_API_TOKEN]
	// {"okta":{"base_url":"https://acme.okta.com"}}
	// actuate.db true
}
