package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"unicode/utf8"

	"github.com/actuatehq/actuate/expr/fn"
	"github.com/actuatehq/actuate/expr/value"
)

// splitAssignment splits "key=value". When secret is set, a malformed s
// is not quoted in the error: it may be a secret value given without its
// key ("=hunter2", or "hunter2" alone), which must not reach stderr.
func splitAssignment(s, flagName, form string, secret bool) (string, string, error) {
	key, val, ok := strings.Cut(s, "=")
	if !ok || key == "" {
		if secret {
			return "", "", fmt.Errorf("%s: an argument is not %s (not shown, since it may hold a secret value); write %s", flagName, form, form)
		}
		return "", "", fmt.Errorf("%s %q: write %s", flagName, s, form)
	}
	return key, val, nil
}

// splitNamed splits "NAME.KEY=VALUE"; secret is as for splitAssignment.
func splitNamed(s, flagName string, secret bool) (string, string, string, error) {
	lhs, val, err := splitAssignment(s, flagName, "NAME.KEY=VALUE", secret)
	if err != nil {
		return "", "", "", err
	}
	name, key, ok := strings.Cut(lhs, ".")
	if !ok || name == "" || key == "" {
		if secret { // "c2VjcmV0==" splits at its padding
			return "", "", "", fmt.Errorf("%s: an argument is not NAME.KEY=VALUE (not shown, since it may hold a secret value); write NAME.KEY=VALUE, e.g. okta.OKTA_API_TOKEN=@token.txt", flagName)
		}
		return "", "", "", fmt.Errorf("%s %q: write NAME.KEY=VALUE, e.g. okta.OKTA_API_TOKEN=@token.txt", flagName, lhs)
	}
	return name, key, val, nil
}

// readText returns the text of a flag value, reading @file.
func readText(val string) (string, error) {
	if path, ok := strings.CutPrefix(val, "@"); ok {
		data, err := os.ReadFile(path)
		if err != nil {
			return "", err
		}
		return string(data), nil
	}
	return val, nil
}

// readSecretText is readText for a secret or a stored value: the line
// ends a file finishes with are not part of the value.
func readSecretText(val string) (string, error) {
	text, err := readText(val)
	if strings.HasPrefix(val, "@") {
		text = strings.TrimRight(text, "\r\n")
	}
	return text, err
}

// secretFileError is the error of reading the @FILE of a secret's value,
// without the file name: a value that starts with @ may be the secret
// itself, not a file name.
func secretFileError(err error) error {
	var pe *fs.PathError
	if !errors.As(err, &pe) {
		return err
	}
	return fmt.Errorf("cannot read the file named after @ (the name is not shown, in case the value is a secret starting with @; give such a value in a file, as @FILE): %v", pe.Err)
}

// readValue reads a flag value as JSON when it parses as JSON, as text
// otherwise.
func readValue(val string) (any, error) {
	text, err := readText(val)
	if err != nil {
		return nil, err
	}
	return jsonOrText(text), nil
}

// jsonOrText returns the value text holds as JSON, or text itself when it
// is not JSON.
func jsonOrText(text string) any {
	if v, err := value.ParseJSONText(text); err == nil {
		return v
	}
	return text
}

// decodeData decodes a JSON or YAML document into values.
func decodeData(data []byte) (any, error) {
	if v, isJSON, err := parseJSON(data); isJSON {
		return v, err
	}
	v, err := fn.ParseYAML(string(data))
	if err != nil {
		return nil, errors.New(strings.TrimPrefix(err.Error(), "deserialize_yaml: "))
	}
	if v == nil {
		return value.NewMap(0), nil
	}
	return v, nil
}

// parseJSON decodes data when it is JSON; isJSON is false when it is not.
// JSON that is not UTF-8 is an error, rather than text whose bytes become
// U+FFFD.
func parseJSON(data []byte) (v any, isJSON bool, err error) {
	v, err = value.ParseJSON(data)
	if err != nil {
		return nil, false, nil
	}
	if !utf8.Valid(data) {
		return nil, true, errors.New("the file is not UTF-8 text")
	}
	return v, true, nil
}
