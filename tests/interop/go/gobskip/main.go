// Command gobskip checks netrpc's gob decoder against Go's own, call by call: a Go client sends
// the same calls to a netrpc interop server and to Go's net/rpc serving the same Interop types
// (this program re-run with -serve, in a process of its own, as a real Go server would be),
// and the replies and error texts must match.
//
//	gobskip -addr 127.0.0.1:PORT
//
// The calls carry values the server's types do not want (interface values whose concrete types
// are defined inside them, nil interfaces, nesting, every other kind gob carries), which both
// must skip, and values of the wrong type, whose errors must read the same. After every error
// the same connection must still serve. It prints `PASS name` or `FAIL name: why` per case, then
// `N passed, M failed`; exit 1 on failure. Standard library only.
package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/rpc"
	"net/url"
	"os"
	"os/exec"
	"reflect"
	"strings"
	"time"

	"encoding/gob"
)

// The Interop types, as in /work/shared/interop/SPEC.md (the parts these calls use).
type Color int

type Scalars struct {
	I8    int8
	I16   int16
	I32   int32
	I64   int64
	U8    uint8
	U16   uint16
	U32   uint32
	U64   uint64
	F32   float32
	F64   float64
	B     bool
	S     string
	Bytes []byte
	C     Color
}

type Inner struct {
	Name    string
	Tags    []string
	Weights map[string]float64
}

type Composite struct {
	ID     uint64
	Items  []Inner
	ByID   map[int64]Inner
	Opt    *Inner
	Matrix [][]int32
	Labels map[string]string
}

// Interop is Go's reference implementation of the methods used here.
type Interop struct{}

func (*Interop) EchoScalars(args Scalars, reply *Scalars) error       { *reply = args; return nil }
func (*Interop) EchoComposite(args Composite, reply *Composite) error { *reply = args; return nil }
func (*Interop) Upper(args string, reply *string) error {
	*reply = strings.ToUpper(args)
	return nil
}
func (*Interop) Sum(args []int64, reply *int64) error {
	for _, v := range args {
		*reply += v
	}
	return nil
}
func (*Interop) Blob(args int64, reply *[]byte) error { *reply = make([]byte, args); return nil }

// ---- what the client sends

type Point struct{ X, Y int }
type Box struct{ In interface{} }
type Deep struct {
	L []interface{}
	M map[string]interface{}
}

// Pair and Holder are sent first inside another interface value, on a fresh connection, so
// that the definition of Pair is nested inside Holder's value.
type Pair struct{ A, B int }
type Holder struct{ In interface{} }

// WideScalars travels as Scalars' S and I64 around an interface field.
type WideScalars struct {
	S   string
	Any interface{}
	I64 int64
}

type Nested struct {
	In Inner
	P  *Inner
}

// KindScalars holds every non-interface kind gob carries around Scalars' S and I64.
type KindScalars struct {
	S   string
	X   complex128
	A   [3]int
	Ss  []Inner
	M   map[string]Inner
	N   Nested
	T   time.Time // GobEncoder
	U   *url.URL  // BinaryMarshaler
	IP  net.IP    // TextMarshaler
	MI  map[int][]interface{}
	I64 int64
}

type Other struct{ Q int }

func init() {
	gob.Register(Point{})
	gob.Register(Box{})
	gob.Register(Deep{})
	gob.Register(Pair{})
	gob.Register(Holder{})
	gob.Register(time.Time{})
	gob.Register(complex128(0))
}

// outcome is what one call gave: the reply, or the server's error text.
type outcome struct {
	reply any
	err   string
}

func (o outcome) String() string {
	if o.err != "" {
		return fmt.Sprintf("error %q", o.err)
	}
	return fmt.Sprintf("reply %+v", o.reply)
}

type call struct {
	name   string
	method string
	args   any
	reply  func() any // a fresh pointer for the reply
	// netrpcOnly marks a case where Go's decoder fails and netrpc, on purpose, does not: the
	// netrpc outcome must then be `want`.
	netrpcOnly bool
	want       outcome
}

func scalars() any { return new(Scalars) }

func do(c *rpc.Client, cl call) (outcome, error) {
	reply := cl.reply()
	done := c.Go(cl.method, cl.args, reply, make(chan *rpc.Call, 1)).Done
	select {
	case r := <-done:
		var se rpc.ServerError
		if errors.As(r.Error, &se) {
			return outcome{err: string(se)}, nil
		}
		if r.Error != nil {
			return outcome{}, r.Error
		}
		return outcome{reply: reflect.ValueOf(reply).Elem().Interface()}, nil
	case <-time.After(5 * time.Second):
		return outcome{}, fmt.Errorf("no reply within 5s")
	}
}

// stillServes checks that the connection answers a good call after a case.
func stillServes(c *rpc.Client) error {
	o, err := do(c, call{method: "Interop.Upper", args: "again", reply: func() any { return new(string) }})
	if err != nil || o.err != "" || o.reply != "AGAIN" {
		return fmt.Errorf("the same connection no longer serves: %v %v", o, err)
	}
	return nil
}

func same(a, b outcome) bool { return a.err == b.err && reflect.DeepEqual(a.reply, b.reply) }

func cases() [][]call {
	u, _ := url.Parse("http://h/p?q=1")
	skip := []call{
		{name: "interface-defined-inside", method: "Interop.EchoScalars",
			args: WideScalars{"a", Point{1, 2}, 1}, reply: scalars},
		{name: "interface-by-id", method: "Interop.EchoScalars",
			args: WideScalars{"b", Point{3, 4}, 2}, reply: scalars},
		{name: "interface-nil", method: "Interop.EchoScalars",
			args: WideScalars{"c", nil, 3}, reply: scalars},
		{name: "interface-struct-holding-interface", method: "Interop.EchoScalars",
			args: WideScalars{"d", Box{Point{5, 6}}, 4}, reply: scalars},
		{name: "interface-slices-and-maps-of-interfaces", method: "Interop.EchoScalars",
			args: WideScalars{"e", Deep{[]interface{}{Point{7, 8}, "x", 9, nil},
				map[string]interface{}{"p": Point{1, 1}, "n": nil}}, 5}, reply: scalars},
		{name: "interface-gobencoder", method: "Interop.EchoScalars",
			args: WideScalars{"f", time.Unix(1, 2).UTC(), 6}, reply: scalars},
		{name: "interface-complex", method: "Interop.EchoScalars",
			args: WideScalars{"g", complex(1.5, -2), 7}, reply: scalars},
		{name: "every-other-kind", method: "Interop.EchoScalars",
			args: KindScalars{S: "k", X: complex(1, 2), A: [3]int{1, 2, 3},
				Ss: []Inner{{Name: "a"}, {Name: "b", Tags: []string{"t"}}},
				M:  map[string]Inner{"m": {Name: "c"}}, N: Nested{Inner{Name: "d"}, &Inner{Name: "e"}},
				T: time.Unix(100, 0).UTC(), U: u, IP: net.IPv4(10, 0, 0, 1),
				MI: map[int][]interface{}{1: {Point{2, 3}, "s"}}, I64: 9}, reply: scalars},
		// The same types again: ids only, no definitions.
		{name: "every-other-kind-again", method: "Interop.EchoScalars",
			args:  KindScalars{S: "k2", MI: map[int][]interface{}{2: {Point{4, 5}}}, I64: 10},
			reply: scalars},
	}
	// Errors: a value of the wrong type for the method's argument.
	mismatch := []call{
		{name: "string-into-int64", method: "Interop.Blob", args: "x",
			reply: func() any { return new([]byte) }},
		{name: "no-fields-matched", method: "Interop.EchoScalars", args: Other{7}, reply: scalars},
		{name: "slice-into-struct", method: "Interop.EchoScalars", args: []int64{1}, reply: scalars},
		{name: "field-wrong-type", method: "Interop.EchoScalars", args: scalarsWithIntS(),
			reply: scalars},
		{name: "strings-into-ints", method: "Interop.Sum", args: []string{"a"},
			reply: func() any { return new(int64) }},
		{name: "int-into-nested-struct", method: "Interop.EchoComposite", args: compositeWithIntOpt(),
			reply: func() any { return new(Composite) }},
		{name: "map-elem-wrong-type", method: "Interop.EchoComposite", args: compositeWithIntLabels(),
			reply: func() any { return new(Composite) }},
		{name: "field-out-of-range", method: "Interop.EchoScalars", args: scalarsWithBigI8(),
			reply: scalars},
	}
	// On a connection of its own, so that Pair is first defined inside Holder's value: Go's
	// ignoreInterface drops a byte count that ends at Pair's definition and reads on from the
	// wrong place; netrpc reads the value as Go's decodeInterface would.
	nested := []call{
		{name: "definition-nested-in-interface", method: "Interop.EchoScalars",
			args: WideScalars{"h", Holder{Pair{1, 2}}, 8}, reply: scalars,
			netrpcOnly: true, want: outcome{reply: Scalars{S: "h", I64: 8}}},
		{name: "nested-definition-remembered", method: "Interop.EchoScalars",
			args: WideScalars{"i", Pair{3, 4}, 9}, reply: scalars},
	}
	return [][]call{skip, mismatch, nested}
}

// The wrong-typed values are declared in functions so that they travel under the names of
// the right ones (gob sends a struct's name, and Go's texts quote it).
func scalarsWithIntS() any {
	type Scalars struct{ S int }
	return Scalars{5}
}

func scalarsWithBigI8() any {
	type Scalars struct{ I8 int64 }
	return Scalars{300}
}

func compositeWithIntOpt() any {
	type Composite struct {
		ID  uint64
		Opt int
	}
	return Composite{1, 3}
}

func compositeWithIntLabels() any {
	type Composite struct {
		ID     uint64
		Labels map[string]int
	}
	return Composite{1, map[string]int{"a": 1}}
}

func serve() {
	if err := rpc.Register(new(Interop)); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println(l.Addr())
	go func() { // stop when the parent goes away
		bufio.NewReader(os.Stdin).ReadString('\n')
		os.Exit(0)
	}()
	rpc.Accept(l)
}

// startGo runs this program with -serve and returns the address it listens on.
func startGo() (string, func(), error) {
	cmd := exec.Command(os.Args[0], "-serve")
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return "", nil, err
	}
	stop := func() { stdin.Close(); cmd.Wait() }
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		stop()
		return "", nil, fmt.Errorf("the Go server printed no address: %v", err)
	}
	return strings.TrimSpace(line), stop, nil
}

func main() {
	addr := flag.String("addr", "", "netrpc interop server, HOST:PORT")
	serveFlag := flag.Bool("serve", false, "serve Go's reference Interop and print its address")
	flag.Parse()
	if *serveFlag {
		serve()
		return
	}
	if *addr == "" {
		fmt.Fprintln(os.Stderr, "usage: gobskip -addr HOST:PORT")
		os.Exit(2)
	}
	goAddr, stop, err := startGo()
	if err != nil {
		fmt.Println("FAIL start Go server:", err)
		os.Exit(1)
	}
	defer stop()
	passed, failed := 0, 0
	for _, group := range cases() {
		// One connection to each server per group: definitions are sent once per stream.
		goClient, err1 := rpc.Dial("tcp", goAddr)
		netClient, err2 := rpc.Dial("tcp", *addr)
		if err1 != nil || err2 != nil {
			fmt.Println("FAIL dial:", err1, err2)
			os.Exit(1)
		}
		for _, cl := range group {
			goOut, errGo := do(goClient, cl)
			netOut, errNet := do(netClient, cl)
			var why string
			switch {
			case errGo != nil || errNet != nil:
				why = fmt.Sprintf("call failed: Go %v, netrpc %v", errGo, errNet)
			case cl.netrpcOnly && !same(netOut, cl.want):
				why = fmt.Sprintf("netrpc %v, want %v (Go: %v)", netOut, cl.want, goOut)
			case !cl.netrpcOnly && !same(goOut, netOut):
				why = fmt.Sprintf("Go %v, netrpc %v", goOut, netOut)
			}
			if why == "" {
				why = errString(stillServes(netClient))
			}
			if why != "" {
				failed++
				fmt.Printf("FAIL %s: %s\n", cl.name, why)
				continue
			}
			passed++
			if cl.netrpcOnly {
				fmt.Printf("PASS %s (netrpc %v; Go: %v)\n", cl.name, netOut, goOut)
			} else {
				fmt.Printf("PASS %s (both %v)\n", cl.name, netOut)
			}
		}
		goClient.Close()
		netClient.Close()
	}
	fmt.Printf("%d passed, %d failed\n", passed, failed)
	if failed > 0 {
		os.Exit(1)
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
