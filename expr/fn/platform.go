package fn

// The Platform family: functions that read the context Tracecat's platform
// gives an action.

func init() {
	register(&Func{Name: "get_interaction", MinArgs: 0, MaxArgs: 0,
		Doc: "get_interaction(): the interaction context of the current action (Slack post_message/update_message), or None; always None here",
		Call: func(args ...any) (any, error) {
			// This engine has no interactions (Slack callbacks), so there is
			// never a context to return.
			return nil, nil
		}})
}
