package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// wire is one register's HTTP/1.1 connection to a hub: it writes each
// request and reads its answer on the calling goroutine. Go's http.Client
// hands every request to a writer and a reader goroutine of the
// connection; that cost ~60 µs of CPU per command on the same two cores
// as the hub it measures. wire speaks only what the hub answers: a status
// line, headers, and a body of Content-Length bytes, chunked, or up to
// the connection's close.
type wire struct {
	host string
	c    net.Conn
	r    *bufio.Reader
	buf  []byte
}

func newWire(base string) (*wire, error) {
	u, err := url.Parse(base)
	if err != nil {
		return nil, err
	}
	if u.Scheme != "http" || u.Host == "" {
		return nil, fmt.Errorf("%s: kasseload speaks plain http:// to a hub", base)
	}
	return &wire{host: u.Host}, nil
}

// post sends body to path (with a bearer token and an idempotency key, if
// given) and returns the answer's status and body. A failed exchange
// closes the connection; the next one dials again.
func (w *wire) post(ctx context.Context, path, token, key string, body []byte) (int, []byte, error) {
	if w.c == nil {
		var d net.Dialer
		c, err := d.DialContext(ctx, "tcp", w.host)
		if err != nil {
			return 0, nil, err
		}
		w.c, w.r = c, bufio.NewReaderSize(c, 16<<10)
	}
	// The end of ctx ends the exchange, so an error from it always comes
	// after ctx.Err() says so.
	w.c.SetDeadline(time.Now().Add(30 * time.Second))
	c := w.c
	defer context.AfterFunc(ctx, func() { c.SetDeadline(time.Now()) })()
	b := w.buf[:0]
	b = append(b, "POST "...)
	b = append(b, path...)
	b = append(b, " HTTP/1.1\r\nHost: "...)
	b = append(b, w.host...)
	if token != "" {
		b = append(b, "\r\nAuthorization: Bearer "...)
		b = append(b, token...)
	}
	if key != "" {
		b = append(b, "\r\nIdempotency-Key: "...)
		b = append(b, key...)
	}
	b = append(b, "\r\nContent-Type: application/json\r\nContent-Length: "...)
	b = strconv.AppendInt(b, int64(len(body)), 10)
	b = append(b, "\r\n\r\n"...)
	b = append(b, body...)
	w.buf = b
	status, resp, keep, err := w.exchange(b)
	if err != nil || !keep {
		w.c.Close()
		w.c = nil
	}
	return status, resp, err
}

func (w *wire) exchange(req []byte) (status int, body []byte, keep bool, err error) {
	if _, err := w.c.Write(req); err != nil {
		return 0, nil, false, err
	}
	line, err := w.r.ReadSlice('\n')
	if err != nil {
		return 0, nil, false, err
	}
	// "HTTP/1.1 200 OK"
	f := bytes.Fields(line)
	if len(f) < 2 || !bytes.HasPrefix(f[0], []byte("HTTP/1.")) {
		return 0, nil, false, fmt.Errorf("bad status line %q", line)
	}
	if status, err = strconv.Atoi(string(f[1])); err != nil {
		return 0, nil, false, fmt.Errorf("bad status line %q", line)
	}
	length, chunked, keep := -1, false, true
	for {
		h, err := w.r.ReadSlice('\n')
		if err != nil {
			return status, nil, false, err
		}
		h = bytes.TrimRight(h, "\r\n")
		if len(h) == 0 {
			break
		}
		name, value, ok := strings.Cut(string(h), ":")
		if !ok {
			return status, nil, false, fmt.Errorf("bad header %q", h)
		}
		value = strings.TrimSpace(value)
		switch strings.ToLower(name) {
		case "content-length":
			if length, err = strconv.Atoi(value); err != nil || length < 0 {
				return status, nil, false, fmt.Errorf("bad Content-Length %q", value)
			}
		case "transfer-encoding":
			chunked = strings.EqualFold(value, "chunked")
		case "connection":
			keep = !strings.EqualFold(value, "close")
		}
	}
	switch {
	case chunked:
		body, err = readChunked(w.r)
	case length >= 0:
		body = make([]byte, length)
		_, err = io.ReadFull(w.r, body)
	default: // the body runs to the connection's end
		body, err = io.ReadAll(w.r)
		keep = false
	}
	return status, body, keep && err == nil, err
}

// readChunked reads a chunked body and its (empty) trailer.
func readChunked(r *bufio.Reader) ([]byte, error) {
	var body []byte
	for {
		line, err := r.ReadSlice('\n')
		if err != nil {
			return nil, err
		}
		size, _, _ := strings.Cut(strings.TrimSpace(string(line)), ";")
		n, err := strconv.ParseInt(size, 16, 32)
		if err != nil || n < 0 {
			return nil, fmt.Errorf("bad chunk size %q", line)
		}
		if n == 0 {
			for { // trailer, up to an empty line
				t, err := r.ReadSlice('\n')
				if err != nil {
					return nil, err
				}
				if len(bytes.TrimRight(t, "\r\n")) == 0 {
					return body, nil
				}
			}
		}
		start := len(body)
		body = append(body, make([]byte, n)...)
		if _, err := io.ReadFull(r, body[start:]); err != nil {
			return nil, err
		}
		if crlf, err := r.ReadSlice('\n'); err != nil || len(bytes.TrimRight(crlf, "\r\n")) != 0 {
			return nil, errors.Join(errors.New("chunk not followed by CRLF"), err)
		}
	}
}
