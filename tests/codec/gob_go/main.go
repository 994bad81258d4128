// main.go: prints, as hex, the gob bytes Go's net/rpc puts on the wire for a few fixed streams.
// tests/codec/gob_test.cc pastes these as golden constants so the C++ codec is checked against Go.
//
// Usage: gobgolden request|response|every|decode-every HEX|skip|mismatch|edges
// Each mode runs in a fresh process because gob type ids are allocated process-wide.
package main

import (
	"bytes"
	"encoding/gob"
	"encoding/hex"
	"fmt"
	"net"
	"net/rpc"
	"net/url"
	"os"
	"time"
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
	case "skip":
		skip()
	case "mismatch":
		mismatch()
	case "edges":
		edges()
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

// ---- skip: values the receiver's type does not want, which Go's decoder skips.

type Point struct{ X, Y int }
type Box struct{ In interface{} }
type Deep struct {
	L []interface{}
	M map[string]interface{}
}

// Wide is what the client sends; Narrow is what the receiver wants (its S and I64).
type Wide struct {
	S   string
	Any interface{}
	I64 int64
}

type Narrow struct {
	S   string
	I64 int64
}

type Nested struct {
	In Inner
	P  *Inner
}

// Kinds holds every non-interface kind gob can carry, around the two wanted fields.
type Kinds struct {
	S   string
	C   complex128
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

// skipStream writes one client stream of requests, prints each call's bytes as hex, then
// decodes the stream as Go's server would into Narrow and prints what each call gave.
func skipStream(name string, bodies ...any) {
	var buf bytes.Buffer
	enc := gob.NewEncoder(&buf)
	fmt.Println("stream", name)
	for i, b := range bodies {
		n := buf.Len()
		must(enc.Encode(&rpc.Request{ServiceMethod: "Svc.M", Seq: uint64(i)}))
		must(enc.Encode(b))
		fmt.Println(" call", hex.EncodeToString(buf.Bytes()[n:]))
	}
	dec := gob.NewDecoder(bytes.NewReader(buf.Bytes()))
	for range bodies {
		var req rpc.Request
		var got Narrow
		if err := dec.Decode(&req); err != nil {
			fmt.Printf(" header error: %v\n", err)
			return
		}
		err := dec.Decode(&got)
		fmt.Printf(" seq %d: %+v err=%v\n", req.Seq, got, err)
	}
}

func skip() {
	gob.Register(Point{})
	gob.Register(Box{})
	gob.Register(Deep{})
	gob.Register(time.Time{})
	gob.Register(complex128(0))
	skipStream("interfaces",
		Wide{"a", Point{1, 2}, 1}, // Point's definition inside the value
		Wide{"b", Point{3, 4}, 2}, // the id alone
		Wide{"c", nil, 3},
		Wide{"d", Box{Point{5, 6}}, 4}, // Box defined, Point known
		Wide{"e", Deep{[]interface{}{Point{7, 8}, "x", 9, nil}, map[string]interface{}{"p": Point{1, 1}, "n": nil}}, 5},
		Wide{"f", time.Unix(1, 2).UTC(), 6},
		Wide{"g", complex(1.5, -2), 7},
	)
	// Box and Point both new: Point's definition is nested in Box's value. Go's ignoreInterface
	// drops the count of bytes before the nested definition and loses its place.
	skipStream("nested-definitions",
		Wide{"a", Box{Point{1, 2}}, 1},
		Wide{"b", Point{3, 4}, 2}, // Point's id, defined inside the first call
	)
	u, _ := url.Parse("http://h/p?q=1")
	skipStream("kinds",
		Kinds{S: "k", C: complex(1, 2), A: [3]int{1, 2, 3},
			Ss: []Inner{{"a", 1}, {"b", 2}}, M: map[string]Inner{"m": {"c", 3}},
			N: Nested{Inner{"d", 4}, &Inner{"e", 5}}, T: time.Unix(100, 0).UTC(), U: u,
			IP: net.IPv4(10, 0, 0, 1), MI: map[int][]interface{}{1: {Point{2, 3}, "s"}}, I64: 9},
	)
	// A reply with an interface field, as a Go server sends it to netrpc's client.
	var rbuf bytes.Buffer
	renc := gob.NewEncoder(&rbuf)
	must(renc.Encode(&rpc.Response{ServiceMethod: "Svc.M", Seq: 0}))
	must(renc.Encode(Wide{"r", Point{9, 9}, 11}))
	fmt.Println("response", hex.EncodeToString(rbuf.Bytes()))
}

// ---- mismatch: values of the wrong type for the receiver, and Go's error texts.

type Other struct{ Q int }
type Outer struct{ In int }
type M struct{ L map[string]int }
type Small struct{ I8 int64 }

func mismatchCase(name string, body any, into any) {
	var buf bytes.Buffer
	enc := gob.NewEncoder(&buf)
	must(enc.Encode(&rpc.Request{ServiceMethod: "Svc.M", Seq: 1}))
	must(enc.Encode(body))
	fmt.Println("case", name, hex.EncodeToString(buf.Bytes()))
	dec := gob.NewDecoder(bytes.NewReader(buf.Bytes()))
	var req rpc.Request
	must(dec.Decode(&req))
	fmt.Printf(" err=%v\n", dec.Decode(into))
}

func mismatch() {
	var i64 int64
	var i8 int8
	var ints []int64
	var narrow Narrow
	mismatchCase("string-into-int64", "x", &i64)
	mismatchCase("no-fields-matched", Other{7}, &narrow)
	mismatchCase("slice-into-struct", []int64{1}, &narrow)
	{
		type Narrow struct{ S int } // the same name, another type of S
		mismatchCase("field-wrong-type", Narrow{5}, &narrow)
	}
	mismatchCase("strings-into-ints", []string{"a"}, &ints)
	{
		type Outer2 = Outer
		var into struct{ In Inner }
		mismatchCase("int-into-nested-struct", Outer2{3}, &into)
	}
	{
		var into struct{ L map[string]string }
		mismatchCase("map-elem-wrong-type", M{map[string]int{"a": 1}}, &into)
	}
	mismatchCase("int64-into-int8", int64(300), &i8)
	{
		var into struct{ I8 int8 }
		mismatchCase("field-out-of-range", Small{300}, &into)
	}
}

// ---- edges: hand-made streams on the decoder's error paths, and what Go's decoder says.

type AS struct {
	A int64
	S string
}

func edges() {
	// The definition of AS (id 65) as Go sends it, then a value message per case.
	const def = "1cff8103010102415301ff82000102010141010400010153010c000000"
	for _, c := range []struct{ name, hex string }{
		{"no-terminator", def + "08ff82010a01026869"},
		{"cut-uint", def + "04ff8201fe"},
		{"bad-uint", def + "0dff8201f70102030405060708090a00"},
		{"trailing-bytes", def + "0aff82010a0102686900ff"},
		{"string-too-long", def + "09ff82010a0105686900"},
		{"delta-beyond", def + "05ff82030a00"},
		{"definition-unknown-kind", "07ff810e0101000000" + "03ff8200"},
		{"definition-twice", def + def + "09ff82010a0102686900"},
		{"value-undefined-id", "04ffc60100"},
		{"definition-extra-data", "1dff8103010102415301ff82000102010141010400010153010c00000000" + "03ff8200"},
	} {
		b, err := hex.DecodeString(c.hex)
		must(err)
		var v AS
		err = gob.NewDecoder(bytes.NewReader(b)).Decode(&v)
		fmt.Printf("%s: %+v err=%v\n", c.name, v, err)
	}
}
