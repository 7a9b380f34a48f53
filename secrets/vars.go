package secrets

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/actuatehq/actuate/expr/value"
)

// Variable is a workspace variable: named values that templates read as
// VARS.<name>.<key>. Variables are not secret: they are stored and shown
// in plain text.
type Variable struct {
	Name        string
	Environment string
	Description string
	Values      *value.Map // key → any JSON value, in the order set
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

func validVar(name, env string, values *value.Map) error {
	if err := ValidVarName(name); err != nil {
		return err
	}
	if err := ValidEnvironment(env); err != nil {
		return err
	}
	n := 0
	if values != nil {
		n = values.Len()
	}
	if n == 0 || n > maxVarKeys {
		return invalidf("variable %s: give 1 to %d values, not %d", name, maxVarKeys, n)
	}
	for _, k := range values.Keys() {
		if !IsKeyName(k) {
			return invalidf("variable %s: invalid key name %q: use letters, digits and underscores", name, k)
		}
	}
	return nil
}

// SetVar stores the variable name in environment env ("" means "default")
// with exactly the given values, replacing any it had. Values are kept as
// JSON, in their order.
func (s *Store) SetVar(ctx context.Context, name, env string, values *value.Map) error {
	env = orDefault(env)
	if err := validVar(name, env, values); err != nil {
		return err
	}
	text, err := value.MarshalJSON(values)
	if err != nil {
		return fmt.Errorf("variable %s: %w", name, err)
	}
	t := now()
	_, err = s.db.ExecContext(ctx, `INSERT INTO variables (name, environment, "values", created_at, updated_at)
VALUES (?, ?, ?, ?, ?)
ON CONFLICT (name, environment) DO UPDATE SET "values" = excluded."values", updated_at = excluded.updated_at`,
		name, env, string(text), t, t)
	if err != nil {
		return fmt.Errorf("saving variable %s: %w", name, err)
	}
	return nil
}

// GetVar returns the values of the variable name in environment env (""
// means "default"), or a [*NotFoundError].
func (s *Store) GetVar(ctx context.Context, name, env string) (*value.Map, error) {
	env = orDefault(env)
	var text string
	err := s.db.QueryRowContext(ctx, `SELECT "values" FROM variables WHERE name = ? AND environment = ?`, name, env).Scan(&text)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, &NotFoundError{Kind: "variable", Name: name, Environment: env}
	}
	if err != nil {
		return nil, fmt.Errorf("reading variable %s: %w", name, err)
	}
	return decodeValues(name, text)
}

func decodeValues(name, text string) (*value.Map, error) {
	v, err := value.ParseJSONText(text)
	if err != nil {
		return nil, fmt.Errorf("variable %s is damaged: %w", name, err)
	}
	m, ok := v.(*value.Map)
	if !ok {
		return nil, fmt.Errorf("variable %s is damaged: its values are not a JSON object", name)
	}
	return m, nil
}

// ListVars returns the variables of environment env, or of every
// environment when env is "", sorted by name and environment.
func (s *Store) ListVars(ctx context.Context, env string) ([]Variable, error) {
	q, args := byEnvironment(`SELECT name, environment, description, "values", created_at, updated_at FROM variables`, env, "name, environment")
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("listing variables: %w", err)
	}
	defer rows.Close()
	var out []Variable
	for rows.Next() {
		var v Variable
		var text, created, updated string
		if err := rows.Scan(&v.Name, &v.Environment, &v.Description, &text, &created, &updated); err != nil {
			return nil, fmt.Errorf("listing variables: %w", err)
		}
		if v.Values, err = decodeValues(v.Name, text); err != nil {
			return nil, err
		}
		v.CreatedAt, v.UpdatedAt = parseTime(created), parseTime(updated)
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("listing variables: %w", err)
	}
	return out, nil
}

// Vars returns the VARS context of environment env ("" means "default"):
// variable name → *value.Map of its values.
func (s *Store) Vars(ctx context.Context, env string) (*value.Map, error) {
	list, err := s.ListVars(ctx, orDefault(env))
	if err != nil {
		return nil, err
	}
	out := value.NewMap(len(list))
	for _, v := range list {
		out.Set(v.Name, v.Values)
	}
	return out, nil
}

// DeleteVar removes the variable name of environment env ("" means
// "default"), or returns a [*NotFoundError].
func (s *Store) DeleteVar(ctx context.Context, name, env string) error {
	env = orDefault(env)
	res, err := s.db.ExecContext(ctx, "DELETE FROM variables WHERE name = ? AND environment = ?", name, env)
	if err != nil {
		return fmt.Errorf("deleting variable %s: %w", name, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return &NotFoundError{Kind: "variable", Name: name, Environment: env}
	}
	return nil
}
