// Command badinput sends malformed Go-protocol input to a netrpc interop server and checks that
// each bad connection gets a clear error or is closed, while good calls on other connections work.
//
//	badinput -addr 127.0.0.1:PORT
//
// The cases are what the reference client never sends: truncated gob, unknown gob type ids, a gob
// length beyond any limit, JSON-RPC of the wrong shape, GeeRPC Options with a wrong magic number
// or codec. After each one a gob and a JSON-RPC client call Interop.Upper on fresh connections.
// It prints `PASS name` or `FAIL name: why` per case, then `N passed, M failed`; exit 1 on failure.
// Standard library only.
package main

import (
	"bufio"
	"bytes"
	"encoding/gob"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/rpc"
	"net/rpc/jsonrpc"
	"os"
	"reflect"
	"strings"
	"syscall"
	"time"
)

// replyWait bounds every read: a server that neither answers nor closes within it has hung.
const replyWait = 5 * time.Second

var addr string

func dialRaw() (*net.TCPConn, error) {
	c, err := net.DialTimeout("tcp", addr, replyWait)
	if err != nil {
		return nil, err
	}
	c.SetDeadline(time.Now().Add(2 * replyWait))
	return c.(*net.TCPConn), nil
}

// closedErr reports whether err means the server closed the connection (rather than a timeout).
func closedErr(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// expectClosed reads until the server closes the connection; any byte it sends is a failure.
func expectClosed(c net.Conn) error {
	c.SetReadDeadline(time.Now().Add(replyWait))
	b, err := io.ReadAll(c)
	switch {
	case isTimeout(err):
		return fmt.Errorf("connection neither answered nor closed within %v", replyWait)
	case err != nil && !closedErr(err):
		return fmt.Errorf("reading: %v", err)
	case len(b) > 0:
		return fmt.Errorf("got %d bytes (%q...), want the connection closed without an answer", len(b), truncate(b))
	}
	return nil
}

func truncate(b []byte) []byte {
	if len(b) > 32 {
		return b[:32]
	}
	return b
}

// goodCalls checks the server still serves: Interop.Upper over gob and over JSON-RPC, each on a
// fresh connection.
func goodCalls() error {
	for _, dial := range []struct {
		name string
		dial func(network, address string) (*rpc.Client, error)
	}{{"gob", rpc.Dial}, {"json", jsonrpc.Dial}} {
		c, err := dial.dial("tcp", addr)
		if err != nil {
			return fmt.Errorf("good %s call: dial: %v", dial.name, err)
		}
		var up string
		call := c.Go("Interop.Upper", "still alive", &up, make(chan *rpc.Call, 1))
		select {
		case <-call.Done:
			err = call.Error
		case <-time.After(replyWait):
			err = fmt.Errorf("no reply within %v", replyWait)
		}
		c.Close()
		if err != nil {
			return fmt.Errorf("good %s call on another connection: %v", dial.name, err)
		}
		if up != "STILL ALIVE" {
			return fmt.Errorf("good %s call on another connection: Upper = %q", dial.name, up)
		}
	}
	return nil
}

// ---- gob

// gobStream is one client-side gob stream; bytes are taken out message by message so that a
// case can damage exactly the part it wants.
type gobStream struct {
	buf bytes.Buffer
	enc *gob.Encoder
}

func newGobStream() *gobStream {
	s := &gobStream{}
	s.enc = gob.NewEncoder(&s.buf)
	return s
}

// encode returns the bytes of one Encode call: type definitions (first use only) and a value.
func (s *gobStream) encode(v any) []byte {
	if err := s.enc.Encode(v); err != nil {
		panic(err)
	}
	b := append([]byte(nil), s.buf.Bytes()...)
	s.buf.Reset()
	return b
}

// message frames a gob message: its length as a gob unsigned integer, then the bytes.
func message(payload []byte) []byte {
	var b bytes.Buffer
	n := uint64(len(payload))
	if n < 128 {
		b.WriteByte(byte(n))
	} else {
		var be [8]byte
		k := 8
		for ; n > 0; n >>= 8 {
			k--
			be[k] = byte(n)
		}
		b.WriteByte(byte(-(8 - k)))
		b.Write(be[k:])
	}
	b.Write(payload)
	return b.Bytes()
}

// unknownTypeID is gob's signed 99 (zig-zagged to 198, one byte, count byte 0xFF): no such type.
var unknownTypeID = []byte{0xFF, 0xC6}

// expectGobErrorOrClose reads one rpc.Response for seq. An error response passes, and then the
// same connection must still serve a good call (the stream is in step); a close passes too.
func expectGobErrorOrClose(c net.Conn, dec *gob.Decoder, s *gobStream, seq uint64) (string, error) {
	c.SetReadDeadline(time.Now().Add(replyWait))
	var resp rpc.Response
	err := dec.Decode(&resp)
	switch {
	case err != nil && closedErr(err):
		return "closed", nil
	case isTimeout(err):
		return "", fmt.Errorf("connection neither answered nor closed within %v", replyWait)
	case err != nil:
		return "", fmt.Errorf("undecodable answer: %v", err)
	case resp.Seq != seq:
		return "", fmt.Errorf("answer for seq %d, want %d", resp.Seq, seq)
	case resp.Error == "":
		return "", fmt.Errorf("bad request answered without an error")
	}
	if err := dec.DecodeValue(reflect.Value{}); err != nil { // discards the error's empty body
		return "", fmt.Errorf("reading the error response's body: %v", err)
	}
	// The stream is still in step: a good call on this same connection must work.
	req := append(s.encode(&rpc.Request{ServiceMethod: "Interop.Upper", Seq: seq + 1}), s.encode("again")...)
	if _, err := c.Write(req); err != nil {
		return "", fmt.Errorf("after the error reply: writing a good call: %v", err)
	}
	var next rpc.Response
	var up string
	if err := dec.Decode(&next); err != nil {
		return "", fmt.Errorf("after the error reply: good call on the same connection: %v", err)
	}
	if next.Error != "" || next.Seq != seq+1 {
		return "", fmt.Errorf("after the error reply: good call got seq %d error %q", next.Seq, next.Error)
	}
	if err := dec.Decode(&up); err != nil || up != "AGAIN" {
		return "", fmt.Errorf("after the error reply: good call: Upper = %q, %v", up, err)
	}
	return "error reply " + strings.TrimSpace(resp.Error) + "; same connection still serves", nil
}

func gobTruncatedStream() (string, error) {
	c, err := dialRaw()
	if err != nil {
		return "", err
	}
	defer c.Close()
	s := newGobStream()
	req := append(s.encode(&rpc.Request{ServiceMethod: "Interop.Upper", Seq: 1}), s.encode("hello")...)
	c.Write(req[:len(req)-4]) // the stream ends inside the body's message
	c.CloseWrite()
	note, err := expectGobErrorOrClose(c, gob.NewDecoder(c), s, 1)
	if err == nil && note != "closed" {
		return "", fmt.Errorf("a request cut short was answered: %s", note)
	}
	return note, err
}

func gobTruncatedValue() (string, error) {
	c, err := dialRaw()
	if err != nil {
		return "", err
	}
	defer c.Close()
	s := newGobStream()
	header := s.encode(&rpc.Request{ServiceMethod: "Interop.Upper", Seq: 1})
	body := s.encode("hello") // one message: length, string type id, 0, 5, "hello"
	// A complete message whose string claims 5 bytes but holds 2.
	damaged := message(body[1 : len(body)-3])
	c.Write(append(header, damaged...))
	return expectGobErrorOrClose(c, gob.NewDecoder(c), s, 1)
}

func gobUnknownTypeInBody() (string, error) {
	c, err := dialRaw()
	if err != nil {
		return "", err
	}
	defer c.Close()
	s := newGobStream()
	header := s.encode(&rpc.Request{ServiceMethod: "Interop.Upper", Seq: 1})
	body := message(append(append([]byte(nil), unknownTypeID...), 0x00, 0x05, 'h', 'e', 'l', 'l', 'o'))
	c.Write(append(header, body...))
	return expectGobErrorOrClose(c, gob.NewDecoder(c), s, 1)
}

func gobUnknownTypeInHeader() (string, error) {
	c, err := dialRaw()
	if err != nil {
		return "", err
	}
	defer c.Close()
	// The stream opens with a value of a type that was never defined: no header can be read.
	c.Write(message(append(append([]byte(nil), unknownTypeID...), 0x01, 0x02, 0x03, 0x00)))
	if err := expectClosed(c); err != nil {
		return "", err
	}
	return "closed", nil
}

func gobHugeLength() (string, error) {
	c, err := dialRaw()
	if err != nil {
		return "", err
	}
	defer c.Close()
	// A message length of 2^63-1: refused from the length alone, before anything is buffered.
	c.Write([]byte{0xF8, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x0c})
	if err := expectClosed(c); err != nil {
		return "", err
	}
	return "closed", nil
}

// ---- JSON-RPC

type jsonResponse struct {
	ID     *json.RawMessage `json:"id"`
	Result *json.RawMessage `json:"result"`
	Error  any              `json:"error"`
}

// expectJSONErrorOrClose sends one line and reads one response for id. An error response with
// that id passes, and then the same connection must still serve a good call; a close passes too.
func expectJSONErrorOrClose(line, id string, halfClose bool) (string, error) {
	c, err := dialRaw()
	if err != nil {
		return "", err
	}
	defer c.Close()
	c.Write([]byte(line))
	if halfClose {
		c.CloseWrite()
	}
	c.SetReadDeadline(time.Now().Add(replyWait))
	dec := json.NewDecoder(bufio.NewReader(c))
	var resp jsonResponse
	err = dec.Decode(&resp)
	switch {
	case err != nil && closedErr(err):
		return "closed", nil
	case isTimeout(err):
		return "", fmt.Errorf("connection neither answered nor closed within %v", replyWait)
	case err != nil:
		return "", fmt.Errorf("undecodable answer: %v", err)
	case resp.ID == nil || string(*resp.ID) != id:
		return "", fmt.Errorf("answer with id %v, want %s", resp.ID, id)
	}
	text, ok := resp.Error.(string)
	if !ok || text == "" {
		return "", fmt.Errorf("bad request answered without an error (error %v)", resp.Error)
	}
	if halfClose {
		return "error reply " + text, nil
	}
	c.Write([]byte(`{"method":"Interop.Upper","params":["again"],"id":77}` + "\n"))
	var next jsonResponse
	if err := dec.Decode(&next); err != nil {
		return "", fmt.Errorf("after the error reply: good call on the same connection: %v", err)
	}
	if next.Error != nil || next.Result == nil || string(*next.Result) != `"AGAIN"` {
		return "", fmt.Errorf("after the error reply: good call got result %v error %v", next.Result, next.Error)
	}
	return "error reply " + text + "; same connection still serves", nil
}

func jsonCase(line, id string, halfClose bool) func() (string, error) {
	return func() (string, error) { return expectJSONErrorOrClose(line, id, halfClose) }
}

// ---- GeeRPC

// geeBadOption sends an Option the server must refuse, followed by a valid gob request that it
// must never answer.
func geeBadOption(option string) func() (string, error) {
	return func() (string, error) {
		c, err := dialRaw()
		if err != nil {
			return "", err
		}
		defer c.Close()
		s := newGobStream()
		type Header struct { // GeeRPC's codec.Header
			ServiceMethod string
			Seq           uint64
			Error         string
		}
		req := append(s.encode(&Header{ServiceMethod: "Interop.Upper", Seq: 1}), s.encode("hello")...)
		c.Write(append([]byte(option+"\n"), req...))
		if err := expectClosed(c); err != nil {
			return "", err
		}
		return "closed", nil
	}
}

func main() {
	flag.StringVar(&addr, "addr", "", "netrpc interop server, HOST:PORT")
	flag.Parse()
	if addr == "" {
		fmt.Fprintln(os.Stderr, "usage: badinput -addr HOST:PORT")
		os.Exit(2)
	}
	cases := []struct {
		name string
		run  func() (string, error)
	}{
		{"gob-truncated-stream", gobTruncatedStream},
		{"gob-truncated-value", gobTruncatedValue},
		{"gob-unknown-type-id-body", gobUnknownTypeInBody},
		{"gob-unknown-type-id-header", gobUnknownTypeInHeader},
		{"gob-huge-length", gobHugeLength},
		{"json-method-not-string", jsonCase(`{"method":12,"params":"x","id":1}`+"\n", "1", false)},
		{"json-params-not-array", jsonCase(`{"method":"Interop.Upper","params":"x","id":2}`+"\n", "2", false)},
		{"json-param-wrong-type", jsonCase(`{"method":"Interop.Sum","params":[{"a":1}],"id":3}`+"\n", "3", false)},
		// A first byte other than '{' or white space is taken for a gob length on netrpc's one
		// port (Go's gob server would wait for those bytes too): end the stream to see it closed.
		{"json-top-level-array", jsonCase("[1,2,3]\n", "null", true)},
		{"json-truncated", jsonCase(`{"method":"Interop.Upper","par`, "null", true)},
		{"geerpc-wrong-magic", geeBadOption(`{"MagicNumber":1234,"CodecType":"application/gob"}`)},
		{"geerpc-unknown-codec", geeBadOption(`{"MagicNumber":3927900,"CodecType":"application/xml"}`)},
	}
	passed, failed := 0, 0
	for _, tc := range cases {
		note, err := tc.run()
		if err == nil {
			err = goodCalls()
		}
		if err != nil {
			failed++
			fmt.Printf("FAIL %s: %v\n", tc.name, err)
			continue
		}
		passed++
		fmt.Printf("PASS %s (%s)\n", tc.name, note)
	}
	fmt.Printf("%d passed, %d failed\n", passed, failed)
	if failed > 0 {
		os.Exit(1)
	}
}
