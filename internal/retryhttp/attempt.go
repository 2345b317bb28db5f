package retryhttp

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/cenkalti/backoff/v5"
)

// once is one attempt: the request sent, the body read within its bound.
func (c *Client) once(ctx context.Context, r Request) (*Response, error) {
	ctx, cancel := context.WithTimeout(ctx, orDefault(c.Timeout, 10*time.Second))
	defer cancel()
	if r.NoRedirects {
		ctx = context.WithValue(ctx, noRedirects{}, true)
	}
	var body io.Reader
	if r.Body != nil {
		body = bytes.NewReader(r.Body)
	}
	req, err := http.NewRequestWithContext(ctx, orString(r.Method, http.MethodGet), r.URL, body)
	if err != nil {
		return nil, backoff.Permanent(err)
	}
	for k, vs := range r.Header {
		req.Header[k] = vs
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	limit := r.MaxBody
	if limit <= 0 {
		limit = 1 << 20
	}
	read := io.ReadAll
	if r.Reduce != nil && resp.StatusCode >= 200 && resp.StatusCode < 300 {
		read = r.Reduce
	} else if r.Reduce != nil {
		limit = min(limit, maxErrorBody) // an error body is read whole: keep it small
	}
	counted := &countingReader{r: io.LimitReader(resp.Body, limit+1)}
	data, err := read(counted)
	if counted.n > limit {
		return nil, fmt.Errorf("%w: more than %d bytes", ErrBodyTooLarge, limit)
	}
	if err != nil {
		return nil, fmt.Errorf("reading response: %w", err)
	}
	return &Response{Status: resp.StatusCode, Header: resp.Header, Body: data}, nil
}

// maxErrorBody bounds an error answer's body where the success body is
// streamed: what it says fits in far less.
const maxErrorBody = 64 << 10

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// retryAfter parses a Retry-After header: delay-seconds or an HTTP date.
func retryAfter(v string, now time.Time) (time.Duration, bool) {
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.Atoi(v); err == nil && secs >= 0 {
		return time.Duration(secs) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}
