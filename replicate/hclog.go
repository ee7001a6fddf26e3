package replicate

import (
	"context"
	"fmt"
	"io"
	"log"
	"log/slog"
	"slices"

	"github.com/hashicorp/go-hclog"
)

// hlog adapts slog to the hclog.Logger raft wants, so the hub configures
// logging once. Trace maps to debug.
type hlog struct {
	log  *slog.Logger
	name string
	args []any
}

var _ hclog.Logger = (*hlog)(nil)

func newHlog(l *slog.Logger, name string) *hlog {
	if l == nil {
		l = slog.New(slog.DiscardHandler)
	}
	return &hlog{log: l.With("logger", name), name: name}
}

func level(l hclog.Level) slog.Level {
	switch {
	case l <= hclog.Debug:
		return slog.LevelDebug
	case l == hclog.Info:
		return slog.LevelInfo
	case l == hclog.Warn:
		return slog.LevelWarn
	default:
		return slog.LevelError
	}
}

func (h *hlog) Log(l hclog.Level, msg string, args ...any) {
	lv := level(l)
	if !h.log.Enabled(context.Background(), lv) {
		return
	}
	// hclog.Fmt values are printf pairs; slog would print them as slices.
	for i, a := range args {
		if f, ok := a.(hclog.Format); ok && len(f) > 0 {
			if s, ok := f[0].(string); ok {
				args = slices.Clone(args)
				args[i] = fmt.Sprintf(s, f[1:]...)
			}
		}
	}
	h.log.Log(context.Background(), lv, msg, args...)
}

func (h *hlog) Trace(msg string, args ...any) { h.Log(hclog.Trace, msg, args...) }
func (h *hlog) Debug(msg string, args ...any) { h.Log(hclog.Debug, msg, args...) }
func (h *hlog) Info(msg string, args ...any)  { h.Log(hclog.Info, msg, args...) }
func (h *hlog) Warn(msg string, args ...any)  { h.Log(hclog.Warn, msg, args...) }
func (h *hlog) Error(msg string, args ...any) { h.Log(hclog.Error, msg, args...) }

func (h *hlog) enabled(l slog.Level) bool { return h.log.Enabled(context.Background(), l) }
func (h *hlog) IsTrace() bool             { return h.enabled(slog.LevelDebug) }
func (h *hlog) IsDebug() bool             { return h.enabled(slog.LevelDebug) }
func (h *hlog) IsInfo() bool              { return h.enabled(slog.LevelInfo) }
func (h *hlog) IsWarn() bool              { return h.enabled(slog.LevelWarn) }
func (h *hlog) IsError() bool             { return h.enabled(slog.LevelError) }

func (h *hlog) ImpliedArgs() []any { return h.args }

func (h *hlog) With(args ...any) hclog.Logger {
	return &hlog{log: h.log.With(args...), name: h.name, args: append(h.args[:len(h.args):len(h.args)], args...)}
}

func (h *hlog) Name() string { return h.name }

func (h *hlog) Named(name string) hclog.Logger {
	if h.name != "" {
		name = h.name + "." + name
	}
	return h.ResetNamed(name)
}

func (h *hlog) ResetNamed(name string) hclog.Logger {
	return &hlog{log: h.log.With("logger", name), name: name, args: h.args}
}

// SetLevel is a no-op: the slog handler owns the level.
func (h *hlog) SetLevel(hclog.Level) {}

func (h *hlog) GetLevel() hclog.Level {
	switch {
	case h.enabled(slog.LevelDebug):
		return hclog.Debug
	case h.enabled(slog.LevelInfo):
		return hclog.Info
	case h.enabled(slog.LevelWarn):
		return hclog.Warn
	}
	return hclog.Error
}

func (h *hlog) StandardLogger(*hclog.StandardLoggerOptions) *log.Logger {
	return slog.NewLogLogger(h.log.Handler(), slog.LevelInfo)
}

func (h *hlog) StandardWriter(o *hclog.StandardLoggerOptions) io.Writer {
	return h.StandardLogger(o).Writer()
}
