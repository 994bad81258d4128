// main.go: prints, as hex, the gob bytes Go's net/rpc puts on the wire for a few fixed streams.
// tests/codec/gob_test.cc pastes these as golden constants so the C++ codec is checked against Go.
//
// Usage: gobgolden request|response|every|decode-every HEX
// Each mode runs in a fresh process because gob type ids are allocated process-wide.
package main

import (
	"bytes"
	"encoding/gob"
	"encoding/hex"
	"fmt"
	"net/rpc"
	"os"
)

type Args struct {
	A, B int64
}

type Inner struct {
	Name string
	N    int64
}

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
	MI     map[int32]string
	P      *int64
	PS     *Inner
	In     Inner
	Zero   int64
	E      int32
}

// invalidRequest mirrors net/rpc's body for a response that carries an error.
type invalidRequest struct{}

func must(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func sampleEvery() Every {
	p := int64(-42)
	return Every{
		B: true, I8: -8, I16: -1600, I32: 320000, I64: -64000000000,
		U8: 200, U16: 65000, U32: 4000000000, U64: 18000000000000000000,
		F32: 1.5, F64: -2.25e100, S: "héllo", Raw: []byte{0, 1, 2, 255},
		Ints: []int32{1, -1, 0, 300}, Strs: []string{"a", "", "c"},
		Inners: []Inner{{"x", 1}, {"", 0}},
		M:      map[string]int64{"k": 9},
		MI:     map[int32]string{-5: "neg"},
		P:      &p, PS: &Inner{"ps", 2}, In: Inner{"in", 3}, E: 2,
	}
}

func main() {
	var buf bytes.Buffer
	enc := gob.NewEncoder(&buf)
	switch os.Args[1] {
	case "request":
		// Two calls on one client stream: the second reuses the type ids.
		must(enc.Encode(&rpc.Request{ServiceMethod: "Arith.Multiply", Seq: 0}))
		must(enc.Encode(&Args{7, 8}))
		fmt.Println(hex.EncodeToString(buf.Bytes()))
		buf.Reset()
		must(enc.Encode(&rpc.Request{ServiceMethod: "Arith.Multiply", Seq: 1}))
		must(enc.Encode(&Args{0, -3}))
		fmt.Println(hex.EncodeToString(buf.Bytes()))
	case "response":
		// A reply that is a plain int64, then an error reply with net/rpc's empty body.
		must(enc.Encode(&rpc.Response{ServiceMethod: "Arith.Multiply", Seq: 0}))
		reply := int64(56)
		must(enc.Encode(&reply))
		fmt.Println(hex.EncodeToString(buf.Bytes()))
		buf.Reset()
		must(enc.Encode(&rpc.Response{ServiceMethod: "Arith.Divide", Seq: 1, Error: "divide by zero"}))
		must(enc.Encode(invalidRequest{}))
		fmt.Println(hex.EncodeToString(buf.Bytes()))
	case "every":
		// A request whose body holds every kind the C++ codec supports.
		e := sampleEvery()
		must(enc.Encode(&rpc.Request{ServiceMethod: "Svc.Every", Seq: 3}))
		must(enc.Encode(&e))
		fmt.Println(hex.EncodeToString(buf.Bytes()))
	case "decode-every":
		// Reads a request stream written elsewhere (by the C++ codec) and prints it, to check
		// by hand that Go accepts what C++ writes.
		b, err := hex.DecodeString(os.Args[2])
		must(err)
		dec := gob.NewDecoder(bytes.NewReader(b))
		var req rpc.Request
		var e Every
		must(dec.Decode(&req))
		must(dec.Decode(&e))
		fmt.Printf("%+v %+v P=%d PS=%+v\n", req, e, *e.P, *e.PS)
	}
}
