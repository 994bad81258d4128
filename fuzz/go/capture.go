// capture.go: records the bytes Go's own net/rpc (gob) and net/rpc/jsonrpc put on the wire in
// both directions, as seed corpora for the netrpc fuzz targets. Standard library only.
//
//	cd fuzz/go && GOCACHE=/tmp/gocache HOME=/tmp GOPROXY=off go build -o /tmp/capture capture.go
//	/tmp/capture ../corpus
//
// writes corpus/{gob_server,gob_client,jsonrpc_server,jsonrpc_client}/go_<scenario>: what the
// client sent (read by a server codec) and what the server sent (read by a client codec).
// The calls follow fuzz_common.h's PickBody: seq % 5 = Every, Tree, int64, string, unknown.
package main

import (
	"errors"
	"fmt"
	"math"
	"net"
	"net/rpc"
	"net/rpc/jsonrpc"
	"os"
	"path/filepath"
	"sync"
)

type Color int32

type Inner struct {
	Name    string
	N       int64
	Tags    []string
	Weights map[string]float64
}

// Every matches fuzz::Every field for field.
type Every struct {
	B      bool
	I8     int8
	I16    int16
	I32    int32
	I64    int64
	U8     uint8
	U16    uint16
	U32    uint32
	U64    uint64
	F32    float32
	F64    float64
	S      string
	Raw    []byte
	Ints   []int32
	Strs   []string
	Inners []Inner
	M      map[string]int64
	MI     map[int64]Inner
	P      *int64
	PS     *Inner
	In     Inner
	E      Color
	Sm     uint8
	Matrix [][]int32
}

type Tree struct {
	V    int64
	Kids []Tree
}

type Svc struct{}

func (Svc) Every(a Every, r *Every) error {
	if a.S == "fail" {
		return errors.New("handler failed: " + a.S)
	}
	*r = a
	return nil
}
func (Svc) Tree(a Tree, r *Tree) error    { *r = a; return nil }
func (Svc) Int(a int64, r *int64) error   { *r = -a; return nil }
func (Svc) Str(a string, r *string) error { *r = "echo: " + a; return nil }

// recorder wraps the server's end of the pipe: what it reads came from the client, what it
// writes goes to the client.
type recorder struct {
	net.Conn
	mu      sync.Mutex
	fromCli []byte
	fromSrv []byte
}

func (r *recorder) Read(p []byte) (int, error) {
	n, err := r.Conn.Read(p)
	r.mu.Lock()
	r.fromCli = append(r.fromCli, p[:n]...)
	r.mu.Unlock()
	return n, err
}

func (r *recorder) Write(p []byte) (int, error) {
	n, err := r.Conn.Write(p)
	r.mu.Lock()
	r.fromSrv = append(r.fromSrv, p[:n]...)
	r.mu.Unlock()
	return n, err
}

func sampleEvery(v int) Every {
	if v == 0 {
		return Every{}
	}
	p := int64(-42)
	e := Every{
		B: true, I8: -8, I16: -1600, I32: 320000, I64: math.MinInt64,
		U8: 200, U16: 65000, U32: 4000000000, U64: math.MaxUint64,
		F32: 1.5, F64: -2.25e100, S: "h\u00e9llo", Raw: []byte{0, 1, 2, 255},
		Ints: []int32{1, -1, 0, 300}, Strs: []string{"a", "", "c"},
		Inners: []Inner{{"x", 1, []string{"t"}, map[string]float64{"w": 0.5}}, {}},
		M:      map[string]int64{"k": 9, "": -1},
		MI:     map[int64]Inner{-5: {Name: "neg", N: -5}, 7: {}},
		P:      &p, PS: &Inner{Name: "ps", N: 2, Tags: []string{"a", "b"}},
		In: Inner{Name: "in", N: 3, Weights: map[string]float64{"pi": 3.14}},
		E:  2, Sm: 2, Matrix: [][]int32{{1, 2}, {}, {3}},
	}
	if v == 2 {
		e.S = "fail"
	}
	return e
}

func sampleTree(depth int) Tree {
	t := Tree{V: int64(depth*100 - 7)}
	for i := 0; i < depth; i++ {
		t.Kids = append(t.Kids, sampleTree(depth-1))
	}
	return t
}

// calls makes n calls in PickBody order on one client.
func calls(c *rpc.Client, n, variant int) {
	for seq := 0; seq < n; seq++ {
		var err error
		switch seq % 5 {
		case 0:
			var r Every
			err = c.Call("Svc.Every", sampleEvery(variant), &r)
		case 1:
			var r Tree
			err = c.Call("Svc.Tree", sampleTree(variant+1), &r)
		case 2:
			var r int64
			err = c.Call("Svc.Int", int64(-123456789*(variant+1)), &r)
		case 3:
			var r string
			err = c.Call("Svc.Str", "hello, world", &r)
		case 4:
			var r int64
			err = c.Call("Svc.Nope", int64(1), &r)
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "seq %d: %v (expected for failures)\n", seq, err)
		}
	}
}

func capture(dir, proto, name string, n, variant int) {
	srv := rpc.NewServer()
	if err := srv.Register(Svc{}); err != nil {
		panic(err)
	}
	cli, srvConn := net.Pipe()
	rec := &recorder{Conn: srvConn}
	done := make(chan struct{})
	go func() {
		if proto == "gob" {
			srv.ServeConn(rec)
		} else {
			srv.ServeCodec(jsonrpc.NewServerCodec(rec))
		}
		close(done)
	}()
	var c *rpc.Client
	if proto == "gob" {
		c = rpc.NewClient(cli)
	} else {
		c = jsonrpc.NewClient(cli)
	}
	calls(c, n, variant)
	c.Close()
	<-done
	rec.mu.Lock()
	defer rec.mu.Unlock()
	write(filepath.Join(dir, proto+"_server"), name, rec.fromCli)
	write(filepath.Join(dir, proto+"_client"), name, rec.fromSrv)
}

func write(dir, name string, b []byte) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		panic(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
		panic(err)
	}
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: capture CORPUS_DIR")
		os.Exit(2)
	}
	dir := os.Args[1]
	for _, proto := range []string{"gob", "jsonrpc"} {
		capture(dir, proto, "go_one_call", 1, 1)
		capture(dir, proto, "go_zero_values", 5, 0)
		capture(dir, proto, "go_all_kinds", 10, 1)
		capture(dir, proto, "go_handler_error", 5, 2)
	}
}
