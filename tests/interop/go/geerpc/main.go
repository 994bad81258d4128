// Command geerpc is a GeeRPC-style peer (geektutu's GeeRPC, day 4: a JSON Option with
// MagicNumber, CodecType, ConnectTimeout and HandleTimeout, then a gob stream of (Header, body)
// pairs), written from GeeRPC's documented behaviour with the standard library only.
//
//	geerpc -serve 127.0.0.1:0   serve Interop.Upper and Interop.Sleep as GeeRPC's server does,
//	                            and on a second port GeeRPC's HTTP transport (day 5: CONNECT
//	                            /_geeprc_); prints `geerpc=ADDR geehttp=ADDR` once listening
//	geerpc -client ADDR         run the Option cases against a server (netrpc's), print
//	                            `PASS name` or `FAIL name: why` each, then `N passed, M failed`
//
// The server reads the Option as GeeRPC's does, with json.NewDecoder(conn).Decode(&opt), and
// differs from GeeRPC in one thing only: GeeRPC then reads the gob stream from conn itself and
// so loses whatever the JSON decoder's first read took in past the Option. Its own client
// writes the Option alone and the request later, and that mostly works, but not always: on
// this 2-core machine about one dial in sixty (GeeRPC's loss, reproduced with this server
// reading from conn) had its first request lost and hung. The tests need every dial to work,
// so this server reads on from the decoder's buffer, and skips the '\n' after the Option.
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
	"log"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"
)

const magicNumber = 0x3bef5c

// Option is GeeRPC's day-4 Option; the durations travel as nanoseconds.
type Option struct {
	MagicNumber    int
	CodecType      string
	ConnectTimeout time.Duration
	HandleTimeout  time.Duration
}

// Header is GeeRPC's codec.Header; its name travels in gob's type definition.
type Header struct {
	ServiceMethod string
	Seq           uint64
	Error         string
}

// ---- server

func serve(l net.Listener) {
	for {
		conn, err := l.Accept()
		if err != nil {
			log.Println("rpc server: accept error:", err)
			return
		}
		go serveConn(conn)
	}
}

func serveConn(conn net.Conn) {
	defer conn.Close()
	var opt Option
	jsonDec := json.NewDecoder(conn)
	if err := jsonDec.Decode(&opt); err != nil {
		log.Println("rpc server: options error: ", err)
		return
	}
	if opt.MagicNumber != magicNumber {
		log.Printf("rpc server: invalid magic number %x", opt.MagicNumber)
		return
	}
	if opt.CodecType != "application/gob" { // GeeRPC implements only gob
		log.Printf("rpc server: invalid codec type %s", opt.CodecType)
		return
	}
	rest := bufio.NewReader(io.MultiReader(jsonDec.Buffered(), conn))
	for b, err := rest.Peek(1); err == nil && strings.IndexByte(" \t\r\n", b[0]) >= 0; b, err = rest.Peek(1) {
		rest.Discard(1)
	}
	buf := bufio.NewWriter(conn)
	dec, enc := gob.NewDecoder(rest), gob.NewEncoder(buf)
	var sending sync.Mutex
	send := func(h Header, body interface{}) {
		sending.Lock()
		defer sending.Unlock()
		if err := enc.Encode(&h); err == nil {
			if err = enc.Encode(body); err == nil {
				buf.Flush()
			}
		}
	}
	var wg sync.WaitGroup
	for {
		var h Header
		if err := dec.Decode(&h); err != nil {
			break
		}
		var call func() (interface{}, error)
		switch h.ServiceMethod {
		case "Interop.Upper":
			var s string
			if dec.Decode(&s) != nil {
				break
			}
			call = func() (interface{}, error) { return strings.ToUpper(s), nil }
		case "Interop.Sleep":
			var ms int64
			if dec.Decode(&ms) != nil {
				break
			}
			call = func() (interface{}, error) {
				time.Sleep(time.Duration(ms) * time.Millisecond)
				return ms, nil
			}
		default:
			dec.Decode(nil)
			h.Error = "rpc server: can't find method " + h.ServiceMethod
			send(h, struct{}{})
			continue
		}
		if call == nil {
			break
		}
		wg.Add(1)
		go handle(h, call, send, &wg, opt.HandleTimeout)
	}
	wg.Wait()
}

// GeeRPC day 5's HTTP transport, as its server.go and client.go write it.
const (
	geeConnected = "200 Connected to Gee RPC"
	geeRPCPath   = "/_geeprc_" // so spelled in GeeRPC's defaultRPCPath
)

type geeHTTP struct{}

// ServeHTTP is GeeRPC's Server.ServeHTTP: 405 unless CONNECT, else hijack, answer, serve.
func (geeHTTP) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	if req.Method != "CONNECT" {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusMethodNotAllowed)
		_, _ = io.WriteString(w, "405 must CONNECT\n")
		return
	}
	conn, _, err := w.(http.Hijacker).Hijack()
	if err != nil {
		log.Print("rpc hijacking ", req.RemoteAddr, ": ", err.Error())
		return
	}
	_, _ = io.WriteString(conn, "HTTP/1.0 "+geeConnected+"\n\n")
	serveConn(conn)
}

// dialHTTP is GeeRPC's DialHTTP (XDial's http@): CONNECT, its answer, then the Option.
func dialHTTP(addr string, opt Option) (*geeConn, error) {
	conn, err := net.DialTimeout("tcp", addr, replyWait)
	if err != nil {
		return nil, err
	}
	conn.SetDeadline(time.Now().Add(2 * replyWait))
	_, _ = io.WriteString(conn, fmt.Sprintf("CONNECT %s HTTP/1.0\n\n", geeRPCPath))
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, &http.Request{Method: "CONNECT"})
	if err == nil && resp.Status != geeConnected {
		err = errors.New("unexpected HTTP response: " + resp.Status)
	}
	if err != nil {
		conn.Close()
		return nil, err
	}
	if _, err := io.WriteString(conn, encodeOption(opt)); err != nil {
		conn.Close()
		return nil, err
	}
	buf := bufio.NewWriter(conn)
	return &geeConn{conn: conn, buf: buf, enc: gob.NewEncoder(buf), dec: gob.NewDecoder(br)}, nil
}

// handle runs one call under GeeRPC's handle timeout: past it the caller gets GeeRPC's error
// and the handler's own answer is never sent.
func handle(h Header, call func() (interface{}, error), send func(Header, interface{}),
	wg *sync.WaitGroup, timeout time.Duration) {
	defer wg.Done()
	called, sent := make(chan struct{}, 1), make(chan struct{}, 1)
	timedOut := make(chan struct{})
	go func() {
		reply, err := call()
		called <- struct{}{}
		select {
		case <-timedOut:
			return
		default:
		}
		if err != nil {
			h.Error = err.Error()
			send(h, struct{}{})
		} else {
			send(h, reply)
		}
		sent <- struct{}{}
	}()
	if timeout == 0 {
		<-called
		<-sent
		return
	}
	select {
	case <-time.After(timeout):
		close(timedOut)
		h.Error = fmt.Sprintf("rpc server: request handle timeout: expect within %s", timeout)
		send(h, struct{}{})
	case <-called:
		<-sent
	}
}

// ---- client

const replyWait = 5 * time.Second

type geeConn struct {
	conn net.Conn
	buf  *bufio.Writer
	enc  *gob.Encoder
	dec  *gob.Decoder
	seq  uint64
}

// dial connects and writes preamble, in pieces with a pause between them.
func dial(addr string, pieces ...string) (*geeConn, error) {
	conn, err := net.DialTimeout("tcp", addr, replyWait)
	if err != nil {
		return nil, err
	}
	conn.SetDeadline(time.Now().Add(2 * replyWait))
	for i, p := range pieces {
		if i > 0 {
			time.Sleep(50 * time.Millisecond)
		}
		if _, err := io.WriteString(conn, p); err != nil {
			conn.Close()
			return nil, err
		}
	}
	buf := bufio.NewWriter(conn)
	return &geeConn{conn: conn, buf: buf, enc: gob.NewEncoder(buf), dec: gob.NewDecoder(conn)}, nil
}

func (c *geeConn) call(method string, args, reply interface{}) error {
	c.seq++
	if err := c.enc.Encode(&Header{ServiceMethod: method, Seq: c.seq}); err != nil {
		return err
	}
	if err := c.enc.Encode(args); err != nil {
		return err
	}
	if err := c.buf.Flush(); err != nil {
		return err
	}
	var h Header
	if err := c.dec.Decode(&h); err != nil {
		return fmt.Errorf("reading header: %v", err)
	}
	if h.Seq != c.seq {
		return fmt.Errorf("reply seq %d, want %d", h.Seq, c.seq)
	}
	if h.Error != "" {
		c.dec.Decode(nil)
		return serverError(h.Error)
	}
	return c.dec.Decode(reply)
}

type serverError string

func (e serverError) Error() string { return string(e) }

func encodeOption(opt Option) string {
	var b bytes.Buffer
	json.NewEncoder(&b).Encode(&opt) // as GeeRPC's client: the Option, then '\n'
	return b.String()
}

// upper checks one Interop.Upper call on c.
func upper(c *geeConn) error {
	var got string
	if err := c.call("Interop.Upper", "geerpc", &got); err != nil {
		return err
	}
	if got != "GEERPC" {
		return fmt.Errorf("Upper gave %q", got)
	}
	return nil
}

// opens dials with the Option in pieces and makes a call on the connection.
func opens(addr string, pieces ...string) error {
	c, err := dial(addr, pieces...)
	if err != nil {
		return err
	}
	defer c.conn.Close()
	return upper(c)
}

// refused dials with a bad Option and expects the server to close without a byte.
func refused(addr, option string) error {
	c, err := dial(addr, option)
	if err != nil {
		return err
	}
	defer c.conn.Close()
	got, err := io.ReadAll(c.conn)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return errors.New("the server kept the connection open")
	}
	if len(got) != 0 {
		return fmt.Errorf("the server answered %q", got)
	}
	return nil
}

func runClient(addr string) int {
	day4 := Option{MagicNumber: magicNumber, CodecType: "application/gob", ConnectTimeout: 10 * time.Second}
	cases := []struct {
		name string
		run  func() error
	}{
		{"day4-option-from-json-encoder", func() error { return opens(addr, encodeOption(day4)) }},
		{"day1-option", func() error {
			return opens(addr, `{"MagicNumber":3927900,"CodecType":"application/gob"}`+"\n")
		}},
		{"keys-reordered", func() error {
			return opens(addr, `{"CodecType":"application/gob","MagicNumber":3927900}`+"\n")
		}},
		{"keys-in-other-case", func() error {
			return opens(addr, `{"magicNumber":3927900,"codecType":"application/gob"}`+"\n")
		}},
		{"newline-in-a-later-write", func() error {
			return opens(addr, `{"MagicNumber":3927900,"CodecType":"application/gob"}`, "\n")
		}},
		{"option-and-request-in-one-write", func() error {
			// GeeRPC's own server would lose this request; a server that keeps the bytes answers.
			var req bytes.Buffer
			enc := gob.NewEncoder(&req)
			enc.Encode(&Header{ServiceMethod: "Interop.Upper", Seq: 7})
			enc.Encode("pipelined")
			c, err := dial(addr, encodeOption(day4)+req.String())
			if err != nil {
				return err
			}
			defer c.conn.Close()
			var h Header
			var got string
			if err := c.dec.Decode(&h); err != nil {
				return err
			}
			if err := c.dec.Decode(&got); err != nil || h.Seq != 7 || got != "PIPELINED" {
				return fmt.Errorf("got %+v %q %v", h, got, err)
			}
			return nil
		}},
		{"handle-timeout", func() error {
			opt := day4
			opt.HandleTimeout = 100 * time.Millisecond
			c, err := dial(addr, encodeOption(opt))
			if err != nil {
				return err
			}
			defer c.conn.Close()
			var ms int64
			err = c.call("Interop.Sleep", int64(1000), &ms)
			want := "rpc server: request handle timeout: expect within 100ms"
			if err == nil || err.Error() != want {
				return fmt.Errorf("Sleep(1000) gave %v, want %q", err, want)
			}
			// The late reply of that call is dropped: the next one is the next reply.
			if err := c.call("Interop.Sleep", int64(1), &ms); err != nil || ms != 1 {
				return fmt.Errorf("Sleep(1) gave %d, %v", ms, err)
			}
			return upper(c)
		}},
		{"day5-http-connect", func() error {
			c, err := dialHTTP(addr, day4)
			if err != nil {
				return err
			}
			defer c.conn.Close()
			return upper(c)
		}},
		{"refused-wrong-magic", func() error {
			return refused(addr, `{"MagicNumber":1234,"CodecType":"application/gob"}`+"\n")
		}},
		{"refused-float-magic", func() error {
			return refused(addr, `{"MagicNumber":3927900.0,"CodecType":"application/gob"}`+"\n")
		}},
		{"refused-unknown-codec", func() error {
			return refused(addr, `{"MagicNumber":3927900,"CodecType":"application/xml"}`+"\n")
		}},
		{"refused-quoted-duration", func() error {
			return refused(addr, `{"MagicNumber":3927900,"CodecType":"application/gob","ConnectTimeout":"10s"}`+"\n")
		}},
	}
	failed := 0
	for _, c := range cases {
		if err := c.run(); err != nil {
			fmt.Printf("FAIL %s: %v\n", c.name, err)
			failed++
		} else {
			fmt.Printf("PASS %s\n", c.name)
		}
	}
	fmt.Printf("%d passed, %d failed\n", len(cases)-failed, failed)
	if failed > 0 {
		return 1
	}
	return 0
}

func main() {
	serveAddr := flag.String("serve", "", "listen address for the GeeRPC-style server")
	clientAddr := flag.String("client", "", "server address to run the Option cases against")
	flag.Parse()
	switch {
	case *serveAddr != "":
		l, err := net.Listen("tcp", *serveAddr)
		if err != nil {
			log.Fatal(err)
		}
		hl, err := net.Listen("tcp", *serveAddr)
		if err != nil {
			log.Fatal(err)
		}
		mux := http.NewServeMux()
		mux.Handle(geeRPCPath, geeHTTP{})
		go http.Serve(hl, mux)
		fmt.Printf("geerpc=%s geehttp=%s\n", l.Addr(), hl.Addr())
		serve(l)
	case *clientAddr != "":
		os.Exit(runClient(*clientAddr))
	default:
		fmt.Fprintln(os.Stderr, "usage: geerpc -serve ADDR | -client ADDR")
		os.Exit(2)
	}
}
