package ao

import (
	"bufio"
	"bytes"
	"errors"
	"io"
)

// The SU's /latest body is {"message": {...} | null, "assignment": {...}}:
// the nonce is in the assignment, after a message whose data the SU
// accepts up to 10 MiB. readLatest streams the body, skipping every member
// but "assignment" without holding it, so memory stays bounded whatever the
// message carries.
const (
	maxAssignment = 256 << 10 // an assignment is about 2 KB of tags and a key
	keptPrefix    = 1 << 10   // of a body that is not JSON, for the error
)

// errMalformed stops the scan of a body that is not the JSON expected.
var errMalformed = errors.New("malformed")

// readLatest returns {"assignment": ...} from an SU /latest body (or {}
// when there is none). A body that is not a JSON object is returned as its
// first KiB, which parseNonce then rejects with what it saw. Only a failure
// to read is an error.
func readLatest(r io.Reader) ([]byte, error) {
	s := &latestScanner{}
	s.r = bufio.NewReaderSize(io.TeeReader(r, &s.prefix), 32<<10)
	assignment, err := s.object()
	switch {
	case errors.Is(err, errMalformed):
		p := s.prefix.Bytes()
		return bytes.Clone(p[:min(len(p), keptPrefix)]), nil
	case err != nil:
		return nil, err
	case assignment == nil:
		return []byte("{}"), nil
	}
	return append(append([]byte(`{"assignment":`), assignment...), '}'), nil
}

type latestScanner struct {
	r      *bufio.Reader
	prefix prefixBuffer
}

// prefixBuffer keeps the first keptPrefix bytes written to it.
type prefixBuffer struct{ bytes.Buffer }

func (p *prefixBuffer) Write(b []byte) (int, error) {
	if room := keptPrefix - p.Len(); room > 0 {
		p.Buffer.Write(b[:min(len(b), room)])
	}
	return len(b), nil
}

// object scans the top-level object and returns the raw assignment value.
func (s *latestScanner) object() ([]byte, error) {
	if c, err := s.next(); err != nil || c != '{' {
		return nil, orMalformed(err)
	}
	var assignment []byte
	for {
		c, err := s.next()
		if err != nil {
			return nil, orMalformed(err)
		}
		if c == '}' && assignment == nil {
			return nil, nil
		}
		if c != '"' {
			return nil, errMalformed
		}
		var key bytes.Buffer
		if err := s.skipString(&key, 256); err != nil {
			return nil, err
		}
		if c, err := s.next(); err != nil || c != ':' {
			return nil, orMalformed(err)
		}
		c, err = s.next()
		if err != nil {
			return nil, orMalformed(err)
		}
		if key.String() == `assignment"` { // skipString keeps the closing quote
			var value bytes.Buffer
			if err := s.skipValue(c, &value, maxAssignment); err != nil {
				return nil, err
			}
			assignment = value.Bytes()
		} else if err := s.skipValue(c, nil, 0); err != nil {
			return nil, err
		}
		c, err = s.next()
		switch {
		case err != nil:
			return nil, orMalformed(err)
		case c == '}':
			return assignment, nil
		case c != ',':
			return nil, errMalformed
		}
	}
}

// next is the next byte that is not white space.
func (s *latestScanner) next() (byte, error) {
	for {
		c, err := s.r.ReadByte()
		if err != nil || (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
			return c, err
		}
	}
}

// skipValue reads the value that starts with c, copying it into keep (up
// to limit bytes; more is malformed) when keep is not nil.
func (s *latestScanner) skipValue(c byte, keep *bytes.Buffer, limit int) error {
	put := func(b byte) error {
		if keep == nil {
			return nil
		}
		if keep.Len() >= limit {
			return errMalformed
		}
		return keep.WriteByte(b)
	}
	if err := put(c); err != nil {
		return err
	}
	switch c {
	case '"':
		return s.skipString(keep, limit)
	case '{', '[':
		depth := 1
		for depth > 0 {
			b, err := s.r.ReadByte()
			if err != nil {
				return orMalformed(err)
			}
			if err := put(b); err != nil {
				return err
			}
			switch b {
			case '{', '[':
				depth++
			case '}', ']':
				depth--
			case '"':
				if err := s.skipString(keep, limit); err != nil {
					return err
				}
			}
		}
		return nil
	}
	// A number, true, false or null: up to the next delimiter.
	for {
		b, err := s.r.ReadByte()
		if err != nil {
			return orMalformed(err)
		}
		if b == ',' || b == '}' || b == ']' || b == ' ' || b == '\t' || b == '\n' || b == '\r' {
			return s.r.UnreadByte()
		}
		if err := put(b); err != nil {
			return err
		}
	}
}

// skipString reads a string's rest, after its opening quote, through its
// closing quote, copying it into keep (up to limit bytes) when not nil.
func (s *latestScanner) skipString(keep *bytes.Buffer, limit int) error {
	escaped := false
	for {
		b, err := s.r.ReadByte()
		if err != nil {
			return orMalformed(err)
		}
		if keep != nil {
			if keep.Len() >= limit {
				return errMalformed
			}
			keep.WriteByte(b)
		}
		switch {
		case escaped:
			escaped = false
		case b == '\\':
			escaped = true
		case b == '"':
			return nil
		}
	}
}

// orMalformed is a read error, with an early end of the body (EOF) read as
// a malformed body.
func orMalformed(err error) error {
	if err == nil || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return errMalformed
	}
	return err
}
