// Command capture prints the bytes Go's hashicorp/net-rpc-msgpackrpc codec writes, one message
// per line as "name hex", for examples/msgpack/msgpack_test.cc to hold the C++ codec against.
//
// Build and run (offline, from this folder):
//
//	GO111MODULE=off GOPATH=/usr/share/gocode GOCACHE=/tmp/gocache HOME=/tmp go run main.go \
//	  > ../../testdata/go_msgpackrpc.txt
//
// Each value below has a twin in msgpack_test.cc: same name, same value. Messages come from
// the codec itself (WriteRequest, WriteResponse), and the arith_* ones from a real net/rpc
// client and server talking over net.Pipe. Go writes maps in random order, so the test only
// decodes the messages whose name ends in _anyorder, and a re-capture is compared without them.
package main

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"net"
	"net/rpc"
	"strings"
	"sync"

	msgpackrpc "github.com/hashicorp/net-rpc-msgpackrpc"
)

type Args struct{ A, B int64 }
type Quotient struct{ Quo, Rem int64 }

type Arith int

func (t *Arith) Multiply(args *Args, reply *int64) error {
	*reply = args.A * args.B
	return nil
}

func (t *Arith) Divide(args *Args, quo *Quotient) error {
	if args.B == 0 {
		return errors.New("divide by zero")
	}
	quo.Quo = args.A / args.B
	quo.Rem = args.A % args.B
	return nil
}

type Widths struct {
	I8  int8
	I16 int16
	I32 int32
	I64 int64
	U8  uint8
	U16 uint16
	U32 uint32
	U64 uint64
}

type Floats struct {
	F32  float32
	F64  float64
	F32s []float32
	F64s []float64
}

type Inner struct {
	X int32
	S string
}

// Outer nests structs, pointers, a map, a []byte and an enum (Level is one in C++).
type Outer struct {
	Name   string
	In     Inner
	Inners []Inner
	Opt    *Inner
	None   *Inner
	Tags   map[string]string
	Blob   []byte
	Ok     bool
	Level  uint8
}

// buffer is an io.ReadWriteCloser over memory, so the codec writes where we can read it.
type buffer struct{ bytes.Buffer }

func (b *buffer) Close() error { return nil }

func request(name, method string, seq uint64, body interface{}) {
	var b buffer
	if err := msgpackrpc.NewClientCodec(&b).WriteRequest(&rpc.Request{ServiceMethod: method, Seq: seq}, body); err != nil {
		panic(fmt.Sprintf("%s: %v", name, err))
	}
	fmt.Printf("%s %x\n", name, b.Bytes())
}

func response(name, method string, seq uint64, errmsg string, body interface{}) {
	var b buffer
	r := rpc.Response{ServiceMethod: method, Seq: seq, Error: errmsg}
	if err := msgpackrpc.NewServerCodec(&b).WriteResponse(&r, body); err != nil {
		panic(fmt.Sprintf("%s: %v", name, err))
	}
	fmt.Printf("%s %x\n", name, b.Bytes())
}

// text is n bytes of a..z repeated, for the string length boundaries.
func text(n int) string {
	var s strings.Builder
	for i := 0; i < n; i++ {
		s.WriteByte(byte('a' + i%26))
	}
	return s.String()
}

func count(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i)
	}
	return b
}

// recorder keeps what one end of a pipe wrote and read, so each call's bytes can be cut out.
type recorder struct {
	net.Conn
	mu          sync.Mutex
	wrote, read bytes.Buffer
}

func (r *recorder) Write(p []byte) (int, error) {
	n, err := r.Conn.Write(p)
	r.mu.Lock()
	r.wrote.Write(p[:n])
	r.mu.Unlock()
	return n, err
}

func (r *recorder) Read(p []byte) (int, error) {
	n, err := r.Conn.Read(p)
	r.mu.Lock()
	r.read.Write(p[:n])
	r.mu.Unlock()
	return n, err
}

func (r *recorder) sizes() (int, int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.wrote.Len(), r.read.Len()
}

// arith makes real net/rpc calls, one at a time, and prints what the client sent and what
// the server answered for each: the request bytes written and the reply bytes read.
func arith() {
	server := rpc.NewServer()
	if err := server.Register(new(Arith)); err != nil {
		panic(err)
	}
	serverEnd, clientEnd := net.Pipe()
	go server.ServeCodec(msgpackrpc.NewServerCodec(serverEnd))
	rec := &recorder{Conn: clientEnd}
	client := rpc.NewClientWithCodec(msgpackrpc.NewClientCodec(rec))
	defer client.Close()

	call := func(name, method string, args Args, reply interface{}) error {
		w0, r0 := rec.sizes()
		err := client.Call(method, &args, reply)
		w1, r1 := rec.sizes()
		rec.mu.Lock()
		fmt.Printf("%s_request %x\n", name, rec.wrote.Bytes()[w0:w1])
		fmt.Printf("%s_response %x\n", name, rec.read.Bytes()[r0:r1])
		rec.mu.Unlock()
		return err
	}
	var product int64
	if err := call("arith_multiply", "Arith.Multiply", Args{7, 8}, &product); err != nil || product != 56 {
		panic(fmt.Sprint("Multiply: ", product, err))
	}
	var quo Quotient
	if err := call("arith_divide", "Arith.Divide", Args{17, 5}, &quo); err != nil || quo != (Quotient{3, 2}) {
		panic(fmt.Sprint("Divide: ", quo, err))
	}
	err := call("arith_divide_by_zero", "Arith.Divide", Args{1, 0}, &quo)
	if _, ok := err.(rpc.ServerError); !ok || err.Error() != "divide by zero" {
		panic(fmt.Sprint("Divide by zero: ", err))
	}
}

func main() {
	fmt.Println("# go_msgpackrpc.txt: messages written by Go's hashicorp/net-rpc-msgpackrpc")
	fmt.Println("# (go-msgpack 0.5.5, MsgpackHandle{}), one per line as: name hex.")
	fmt.Println("# Produced by examples/msgpack/go/capture (see its main.go); do not edit by hand.")

	// Requests: header rpc.Request{ServiceMethod, Seq}, then the body.
	request("request_nil_body", "Test.Nil", 0, nil)
	request("request_args", "Arith.Multiply", 1, &Args{7, 8})
	request("request_seq_200", "Test.Seq", 200, true)
	request("request_seq_70000", "Test.Seq", 70000, false)
	request("request_seq_2_40", "Test.Seq", 1<<40, int64(-1))
	request("request_seq_max", "Test.Seq", math.MaxUint64, uint64(math.MaxUint64))
	request("request_long_method", "Service.AMethodNameLongerThan31Bytes", 3, "x")
	request("widths_max", "Test.Widths", 4, &Widths{math.MaxInt8, math.MaxInt16, math.MaxInt32,
		math.MaxInt64, math.MaxUint8, math.MaxUint16, math.MaxUint32, math.MaxUint64})
	request("widths_min", "Test.Widths", 5, &Widths{I8: math.MinInt8, I16: math.MinInt16,
		I32: math.MinInt32, I64: math.MinInt64})
	request("ints", "Test.Ints", 6, []int64{0, 1, 127, 128, 255, 256, 65535, 65536,
		math.MaxUint32, math.MaxUint32 + 1, math.MaxInt64, -1, -32, -33, -128, -129, -32768,
		-32769, math.MinInt32, math.MinInt32 - 1, math.MinInt64})
	request("uints", "Test.Uints", 7, []uint64{0, 127, 128, 255, 256, 65535, 65536,
		math.MaxUint32, math.MaxUint32 + 1, math.MaxUint64})
	request("floats", "Test.Floats", 8, &Floats{F32: 0.1, F64: -2.5e-300,
		F32s: []float32{1.5, float32(math.Copysign(0, -1)), math.MaxFloat32},
		F64s: []float64{1e300, -1, 0.5, math.Inf(1)}})
	for _, n := range []int{0, 1, 31, 32, 255, 256, 65535, 65536} {
		request(fmt.Sprintf("string_%d", n), "Test.String", uint64(n), text(n))
	}
	request("string_utf8", "Test.String", 9, "héllo, 世界")
	request("strings", "Test.Strings", 10, []string{"a", "", "ccc"})
	request("bytes_nil", "Test.Bytes", 11, []byte(nil))
	request("bytes_empty", "Test.Bytes", 12, []byte{})
	request("bytes_4", "Test.Bytes", 13, []byte{0, 1, 2, 255})
	request("bytes_32", "Test.Bytes", 14, count(32))
	request("bytes_256", "Test.Bytes", 15, count(256))
	// Empty containers at the top level: go-msgpack's fast paths for []byte, []string, []int64,
	// []uint64 and map[string]string write an empty container, every other type writes nil.
	request("top_empty_bytes", "Test.Empty", 23, []byte(nil))
	request("top_empty_strings", "Test.Empty", 24, []string(nil))
	request("top_empty_int64s", "Test.Empty", 25, []int64(nil))
	request("top_empty_uint64s", "Test.Empty", 26, []uint64(nil))
	request("top_empty_int32s", "Test.Empty", 27, []int32(nil))
	request("top_empty_map_string_string", "Test.Empty", 28, map[string]string(nil))
	request("top_empty_map_string_int32", "Test.Empty", 29, map[string]int32(nil))
	request("top_empty_inners", "Test.Empty", 30, []Inner(nil))
	request("nested_vectors", "Test.Nested", 16, [][]int32{{1, 2}, {3}})
	request("map_string_int32", "Test.Map", 17, map[string]int32{"one": 1})
	request("map_int64_string", "Test.Map", 18, map[int64]string{-5: "neg"})
	request("map_uint32_float64", "Test.Map", 19, map[uint32]float64{7: 0.5})
	request("map_three_anyorder", "Test.Map", 20, map[string]int32{"a": 1, "b": 2, "c": 3})
	request("outer", "Test.Outer", 21, &Outer{
		Name:   "outer",
		In:     Inner{X: -7, S: "in"},
		Inners: []Inner{{X: 1, S: "one"}, {X: 2}},
		Opt:    &Inner{X: 300, S: "opt"},
		Tags:   map[string]string{"k": "v"},
		Blob:   []byte{0xde, 0xad},
		Ok:     true,
		Level:  2,
	})
	request("outer_zero", "Test.Outer", 22, &Outer{})

	// Responses: header rpc.Response{ServiceMethod, Seq, Error}, then the body; with an
	// error, net/rpc passes invalidRequest (struct{}{}) as the body, as here.
	response("response_int", "Arith.Multiply", 0, "", int64(56))
	response("response_quotient", "Arith.Divide", 1, "", &Quotient{3, 2})
	response("response_error", "Arith.Divide", 2, "divide by zero", struct{}{})
	response("response_error_long", "Arith.Nope", 3, "rpc: can't find method Arith.Nope", struct{}{})
	response("response_nil_body", "Test.Nil", 4, "", nil)

	arith()
}
