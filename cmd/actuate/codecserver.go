package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/actuatehq/actuate/engine/temporal"
)

func init() {
	commands = append(commands, &command{
		name:    "codec-server",
		summary: "decrypt Temporal payloads for the Temporal UI, for whoever holds the key",
		usage:   `  actuate codec-server [--listen HOST:PORT] [--allow-origin URL]...`,
		help: `Serves the payload codec of "actuate worker" and "actuate run --temporal"
over HTTP (POST /encode, POST /decode), the protocol of Temporal's codec
servers, so that the Temporal UI (and "temporal workflow show --codec-endpoint")
can show the inputs, results and errors of runs, which Temporal only holds
encrypted. It uses the store's key (ACTUATE_ENCRYPTION_KEY or the key file
of ACTUATE_HOME), so run it on a machine of someone who holds the key, and
point the UI at it:

  actuate codec-server --listen 127.0.0.1:8081
  temporal server start-dev --ui-codec-endpoint http://127.0.0.1:8081

--listen defaults to 127.0.0.1:8081; anyone who can reach the address can
decrypt payloads, so keep it on loopback. Browsers may call it only from the
--allow-origin URLs (repeatable; default the local UI, http://localhost:8233
and http://127.0.0.1:8233).
`,
		run: runCodecServer,
	})
}

func runCodecServer(ctx context.Context, e *env, args []string) int {
	c := lookupCommand("codec-server")
	fs := newFlags(c)
	var listen string
	var origins listFlag
	fs.StringVar(&listen, "listen", "127.0.0.1:8081", "the `HOST:PORT` to listen on")
	fs.Var(&origins, "allow-origin", "a browser origin `URL` allowed to call the server, such as the Temporal UI's (repeatable)")
	rest, code := parseFlags(c, e, fs, args)
	if code >= 0 {
		return code
	}
	if len(rest) > 0 {
		e.errorf("codec-server: unexpected arguments %s; run \"actuate codec-server --help\" for usage", strings.Join(rest, " "))
		return exitUsage
	}
	if len(origins) == 0 {
		origins = listFlag{"http://localhost:8233", "http://127.0.0.1:8233"}
	}
	codec, err := payloadCodec(e)
	if err != nil {
		e.errorf("codec-server: the codec needs the store's key: %v", err)
		return exitUsage
	}
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		e.errorf("codec-server: --listen %s: %v", listen, err)
		return exitUsage
	}
	srv := &http.Server{Handler: temporal.CodecHandler(codec, origins), ReadHeaderTimeout: 10 * time.Second}
	fmt.Fprintf(e.stderr, "codec-server: listening on http://%s (key %s), for origins %s\n", ln.Addr(), codec.KeyID(), strings.Join(origins, ", "))
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		e.errorf("codec-server: %v", err)
		return exitFailed
	}
	return exitOK
}
