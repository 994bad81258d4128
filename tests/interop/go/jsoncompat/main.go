// Command jsoncompat checks that a netrpc server answers JSON-RPC exactly as Go's own
// net/rpc/jsonrpc server does: it sends the same bytes to both and compares what comes back.
//
//	jsoncompat -go 127.0.0.1:PORT -netrpc 127.0.0.1:PORT
//
// -go is the json= address of the shared Go reference server (shared/interop/go/server), -netrpc
// a netrpc interop_server. Raw cases write one request text, half-close, and compare the full
// transcript (the replies, then the close); typed cases run Go's jsonrpc client against both and
// compare the reply values it ends with, reusing reply variables across calls the way Go code
// does. Where netrpc differs from Go on purpose a case names the transcript netrpc must give. It
// prints `PASS name` or `FAIL name: why` per case, then `N passed, M failed`. Standard library only.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/rpc"
	"net/rpc/jsonrpc"
	"os"
	"reflect"
	"sort"
	"strings"
	"time"
)

const wait = 5 * time.Second

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
	C     int
}

// transcript sends req on a fresh connection, half-closes it and returns every byte the server
// wrote before closing. Go's server answers what it read, waits for its replies to go out and
// closes; after a request it cannot read it closes without an answer.
func transcript(addr, req string) (string, error) {
	c, err := net.DialTimeout("tcp", addr, wait)
	if err != nil {
		return "", err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(wait))
	if _, err := io.WriteString(c, req); err != nil {
		return "", err
	}
	c.(*net.TCPConn).CloseWrite()
	b, err := io.ReadAll(c)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return string(b), fmt.Errorf("no close within %v after %q", wait, b)
	}
	return string(b), nil // a reset also ends the transcript
}

type rawCase struct {
	name string
	req  string
	// differs marks a case where netrpc answers otherwise on purpose (README says why); netrpc
	// is then the transcript it must give.
	differs bool
	netrpc  string
}

func raw(name, req string) rawCase { return rawCase{name: name, req: req} }

func differs(name, req, netrpc string) rawCase {
	return rawCase{name: name, req: req, differs: true, netrpc: netrpc}
}

var rawCases = []rawCase{
	// 1. Empty values: Go's server makes a slice or map reply non-nil (server.go readRequest).
	raw("blob-0", `{"method":"Interop.Blob","params":[0],"id":1}`),
	raw("blob-3", `{"method":"Interop.Blob","params":[3],"id":1}`),
	raw("sum-empty", `{"method":"Interop.Sum","params":[[]],"id":1}`),
	raw("sum-null", `{"method":"Interop.Sum","params":[null],"id":1}`),
	raw("concat-empty", `{"method":"Interop.Concat","params":[[]],"id":1}`),
	raw("composite-zero", `{"method":"Interop.EchoComposite","params":[{}],"id":1}`),
	raw("composite-nulls", `{"method":"Interop.EchoComposite","params":[{"Items":null,"ByID":null,"Opt":null,"Matrix":null,"Labels":null}],"id":1}`),
	raw("composite-inner-zero", `{"method":"Interop.EchoComposite","params":[{"Items":[{}],"ByID":{"-1":{}},"Opt":{},"Matrix":[null,[1]]}],"id":1}`),
	raw("scalars-zero", `{"method":"Interop.EchoScalars","params":[{}],"id":1}`),

	// 2. params shapes (jsonrpc/server.go ReadRequestBody).
	raw("params-empty-array", `{"method":"Interop.Upper","params":[],"id":1}`),
	raw("params-two", `{"method":"Interop.Upper","params":["ab","cd"],"id":1}`),
	raw("params-null", `{"method":"Interop.Upper","params":null,"id":1}`),
	raw("params-missing", `{"method":"Interop.Upper","id":1}`),
	raw("params-object", `{"method":"Interop.Upper","params":{"a":"b"},"id":1}`),
	raw("params-number", `{"method":"Interop.Upper","params":5,"id":1}`),
	raw("params-string", `{"method":"Interop.Upper","params":"ab","id":1}`),
	raw("params-bool", `{"method":"Interop.Upper","params":true,"id":1}`),
	raw("params-null-element", `{"method":"Interop.Upper","params":[null],"id":1}`),
	raw("params-empty-array-sum", `{"method":"Interop.Sum","params":[],"id":1}`),
	raw("params-two-composite", `{"method":"Interop.EchoComposite","params":[{"ID":1},{"ID":2}],"id":1}`),
	raw("params-missing-unknown-method", `{"method":"Interop.Nope","id":1}`),

	// ids
	raw("id-missing", `{"method":"Interop.Upper","params":["a"]}`),
	raw("id-null", `{"method":"Interop.Upper","params":["a"],"id":null}`),
	raw("id-string", `{"method":"Interop.Upper","params":["a"],"id":"x<y"}`),
	raw("id-object", `{"method":"Interop.Upper","params":["a"],"id":{ "b" : [1.50, true] }}`),
	raw("id-float", `{"method":"Interop.Upper","params":["a"],"id":-1.5e3}`),
	raw("id-bool", `{"method":"Interop.Upper","params":["a"],"id":false}`),

	// method
	raw("method-missing", `{"params":["a"],"id":1}`),
	raw("method-null", `{"method":null,"params":["a"],"id":1}`),
	raw("method-number", `{"method":5,"params":["a"],"id":1}`+"\n"+`{"method":"Interop.Upper","params":["b"],"id":2}`),
	raw("method-no-dot", `{"method":"Interop","params":["a"],"id":1}`),
	raw("method-unknown", `{"method":"Interop.Nope","params":["a"],"id":1}`),
	raw("service-unknown", `{"method":"Nope.Upper","params":["a"],"id":1}`),

	// keys
	raw("extra-keys", `{"jsonrpc":"2.0","method":"Interop.Upper","x":{"y":[1]},"params":["a"],"id":1}`),
	raw("duplicate-method", `{"method":"Interop.Nope","method":"Interop.Upper","params":["a"],"id":1}`),
	raw("duplicate-params", `{"method":"Interop.Upper","params":["a"],"params":["b"],"id":1}`),
	raw("duplicate-params-null", `{"method":"Interop.Upper","params":["a"],"params":null,"id":1}`),
	raw("duplicate-id", `{"method":"Interop.Upper","params":["a"],"id":1,"id":"two"}`),
	raw("keys-upper-case", `{"METHOD":"Interop.Upper","Params":["a"],"ID":7}`),
	raw("keys-escaped", `{"\u006dethod":"Interop.Upper","param\u017f":["a"],"i\u0044":8}`),
	raw("keys-exact-beats-fold", `{"method":"Interop.Upper","Method":"Interop.Nope","params":["a"],"id":1}`),

	// keys inside the argument: struct fields and map keys (decodeState.object)
	raw("struct-duplicate-keys", `{"method":"Interop.EchoScalars","params":[{"I8":1,"I8":2,"i16":3,"I16":4,"I32":5,"i32":6}],"id":1}`),
	raw("struct-kelvin-and-long-s", `{"method":"Interop.EchoScalars","params":[{"\u017f":"x","B":true,"\u0042":false}],"id":1}`),
	raw("map-duplicate-keys", `{"method":"Interop.EchoComposite","params":[{"Labels":{"a":"1","a":"2","b":"3"}}],"id":1}`),
	raw("map-int-keys", `{"method":"Interop.EchoComposite","params":[{"ByID":{"+1":{},"01":{"Name":"x"},"-0":{},"-9223372036854775808":{}}}],"id":1}`),
	raw("map-int-key-bad", `{"method":"Interop.EchoComposite","params":[{"ByID":{"x":{}}}],"id":1}`),
	raw("map-int-key-space", `{"method":"Interop.EchoComposite","params":[{"ByID":{" 1":{}}}],"id":1}`),
	raw("map-int-key-overflow", `{"method":"Interop.EchoComposite","params":[{"ByID":{"9223372036854775808":{}}}],"id":1}`),
	raw("map-int-key-fraction", `{"method":"Interop.EchoComposite","params":[{"ByID":{"1.5":{}}}],"id":1}`),
	raw("map-key-invalid-utf8", "{\"method\":\"Interop.EchoComposite\",\"params\":[{\"Labels\":{\"a\xff\":\"\\ud800\"}}],\"id\":1}"),
	raw("map-key-escapes", `{"method":"Interop.EchoComposite","params":[{"Labels":{"\u003c\ud83d\ude00\u2028":"<>"}}],"id":1}`),
	raw("map-null-value", `{"method":"Interop.EchoComposite","params":[{"ByID":{"1":null},"Labels":{"a":null}}],"id":1}`),
	raw("struct-null-fields", `{"method":"Interop.EchoScalars","params":[{"I8":null,"S":null,"Bytes":null,"B":null}],"id":1}`),
	// The one type name the normalizer below cannot turn into Go's ([]main.Inner).
	differs("struct-wrong-kind", `{"method":"Interop.EchoComposite","params":[{"Items":{}}],"id":1}`,
		`{"id":1,"result":null,"error":"json: cannot unmarshal object into C++ struct field Composite.Items of type std::vector\u003cInner\u003e"}`+"\n"),
	raw("nested-field-error", `{"method":"Interop.EchoComposite","params":[{"Items":[{"Tags":[1]}]}],"id":1}`),
	raw("nested-map-field-error", `{"method":"Interop.EchoComposite","params":[{"ByID":{"1":{"Weights":{"w":"x"}}}}],"id":1}`),
	raw("matrix-error", `{"method":"Interop.EchoComposite","params":[{"Matrix":[[1],[2,"x"]]}],"id":1}`),
	raw("opt-error", `{"method":"Interop.EchoComposite","params":[{"Opt":{"Name":5}}],"id":1}`),

	// 3. UTF-8 in strings, both directions (Upper echoes every non-ASCII byte unchanged).
	raw("lone-high-surrogate", `{"method":"Interop.Upper","params":["\ud800"],"id":1}`),
	raw("lone-low-surrogate", `{"method":"Interop.Upper","params":["a\udc00b"],"id":1}`),
	raw("surrogate-pair", `{"method":"Interop.Upper","params":["\ud83d\ude00"],"id":1}`),
	raw("high-then-non-low", `{"method":"Interop.Upper","params":["\ud800\u0041"],"id":1}`),
	raw("high-then-high", `{"method":"Interop.Upper","params":["\ud800\ud800\udc00"],"id":1}`),
	raw("high-then-char", `{"method":"Interop.Upper","params":["\ud800x"],"id":1}`),
	raw("raw-invalid-bytes", "{\"method\":\"Interop.Upper\",\"params\":[\"a\xffb\xfe\"],\"id\":1}"),
	raw("raw-surrogate-bytes", "{\"method\":\"Interop.Upper\",\"params\":[\"\xed\xa0\x80\"],\"id\":1}"),
	raw("raw-overlong", "{\"method\":\"Interop.Upper\",\"params\":[\"\xc0\x80\"],\"id\":1}"),
	raw("raw-truncated", "{\"method\":\"Interop.Upper\",\"params\":[\"\xe4\xb8\"],\"id\":1}"),
	raw("html-and-separators", "{\"method\":\"Interop.Upper\",\"params\":[\"<a>&b\xe2\x80\xa8\xe2\x80\xa9\\u2028\\/\"],\"id\":1}"),
	raw("invalid-bytes-in-id", "{\"method\":\"Interop.Upper\",\"params\":[\"a\"],\"id\":\"\xff\"}"),
	raw("invalid-bytes-in-method", "{\"method\":\"Interop.Upper\xff\",\"params\":[\"a\"],\"id\":1}"),
	raw("control-escapes", `{"method":"Interop.Upper","params":["\u0000\u001f\b\f\n\r\t\"\\"],"id":1}`),
	raw("bad-escape", `{"method":"Interop.Upper","params":["\x"],"id":1}`),
	raw("raw-control-byte", "{\"method\":\"Interop.Upper\",\"params\":[\"a\x01\"],\"id\":1}"),

	// []byte is base64 (encoding/json decodeState.literalStore).
	raw("bytes-padded", `{"method":"Interop.EchoScalars","params":[{"Bytes":"AQI="}],"id":1}`),
	raw("bytes-unpadded", `{"method":"Interop.EchoScalars","params":[{"Bytes":"AQI"}],"id":1}`),
	raw("bytes-bad-char", `{"method":"Interop.EchoScalars","params":[{"Bytes":"AQ!="}],"id":1}`),
	raw("bytes-one-char", `{"method":"Interop.EchoScalars","params":[{"Bytes":"A"}],"id":1}`),
	raw("bytes-extra-pad", `{"method":"Interop.EchoScalars","params":[{"Bytes":"AQ==="}],"id":1}`),
	raw("bytes-newlines", `{"method":"Interop.EchoScalars","params":[{"Bytes":"AQ\r\nI=\n"}],"id":1}`),
	// C++ has no nil slice: an empty field is written as Go's zero value, nil.
	differs("bytes-empty-string", `{"method":"Interop.EchoScalars","params":[{"Bytes":""}],"id":1}`,
		`{"id":1,"result":{"I8":0,"I16":0,"I32":0,"I64":0,"U8":0,"U16":0,"U32":0,"U64":0,"F32":0,"F64":0,"B":false,"S":"","Bytes":null,"C":0},"error":null}`+"\n"),
	raw("bytes-array", `{"method":"Interop.EchoScalars","params":[{"Bytes":[1,2,255]}],"id":1}`),
	raw("bytes-array-overflow", `{"method":"Interop.EchoScalars","params":[{"Bytes":[256]}],"id":1}`),
	raw("bytes-url-alphabet", `{"method":"Interop.EchoScalars","params":[{"Bytes":"-_8="}],"id":1}`),

	// numbers (decodeState.convertNumber and literalStore)
	raw("int-overflow", `{"method":"Interop.Sum","params":[[9223372036854775808]],"id":1}`),
	raw("int-float", `{"method":"Interop.Sum","params":[[1.0]],"id":1}`),
	raw("int-exponent", `{"method":"Interop.Sum","params":[[1e2]],"id":1}`),
	raw("int-fraction", `{"method":"Interop.Sum","params":[[1.5]],"id":1}`),
	raw("int-negative-zero", `{"method":"Interop.Sum","params":[[-0]],"id":1}`),
	raw("int-leading-zero", `{"method":"Interop.Sum","params":[[01]],"id":1}`),
	raw("int-plus", `{"method":"Interop.Sum","params":[[+1]],"id":1}`),
	raw("int-string", `{"method":"Interop.Sum","params":[["1"]],"id":1}`),
	raw("float-forms", `{"method":"Interop.EchoScalars","params":[{"F64":1E+2,"F32":-0.0,"I8":-128,"U64":18446744073709551615}],"id":1}`),
	raw("float-overflow", `{"method":"Interop.EchoScalars","params":[{"F64":1e309}],"id":1}`),
	raw("float-overflow-digits", `{"method":"Interop.EchoScalars","params":[{"F64":-`+strings.Repeat("9", 400)+`}],"id":1}`),
	raw("float32-overflow", `{"method":"Interop.EchoScalars","params":[{"F32":1e39}],"id":1}`),
	raw("float32-rounding", `{"method":"Interop.EchoScalars","params":[{"F32":1.00000005960464477539062500001,"F64":0.1e-310}],"id":1}`),
	raw("float-underflow-digits", `{"method":"Interop.EchoScalars","params":[{"F64":0.`+strings.Repeat("0", 400)+`1,"F32":-1e-50}],"id":1}`),
	raw("number-into-string", `{"method":"Interop.Upper","params":[1.5],"id":1}`),
	raw("number-into-bool", `{"method":"Interop.EchoScalars","params":[{"B":1e5}],"id":1}`),
	raw("number-literal-error", `{"method":"Interop.Upper","params":["a"],"id":1,"error":1.5e3}`),
	raw("big-int-into-bytes", `{"method":"Interop.EchoScalars","params":[{"Bytes":[1e2]}],"id":1}`),
	raw("float32-max", `{"method":"Interop.EchoScalars","params":[{"F32":3.4028235e38,"F64":-1.7976931348623157e308}],"id":1}`),
	raw("float-underflow", `{"method":"Interop.EchoScalars","params":[{"F64":1e-400}],"id":1}`),
	raw("uint-negative", `{"method":"Interop.EchoScalars","params":[{"U8":-1}],"id":1}`),
	raw("uint64-overflow", `{"method":"Interop.EchoScalars","params":[{"U64":18446744073709551616}],"id":1}`),
	raw("bad-number-dot", `{"method":"Interop.Sum","params":[[1.]],"id":1}`),
	raw("nesting-60", `{"method":"Interop.Upper","params":[`+nest(60)+`],"id":1}`),
	// netrpc's Limits.max_depth (64) closes the connection; Go's decoder allows 10000.
	differs("nesting-100", `{"method":"Interop.Upper","params":[`+nest(100)+`],"id":1}`, ""),

	// framing
	raw("two-requests", `{"method":"Interop.Upper","params":["a"],"id":1} {"method":"Interop.Upper","params":["b"],"id":2}`),
	raw("not-an-object", `["Interop.Upper"]`),
	raw("truncated", `{"method":"Interop.Upper","params":["a"]`),
	raw("trailing-garbage", `{"method":"Interop.Upper","params":["a"],"id":1}x`),
}

// goNames turns netrpc's C++ spelling of a decode error back into Go's, so that everything
// but the naming (README: "netrpc names C++ types") is compared with Go's text.
var goNames = strings.NewReplacer(
	"into C++ value", "into Go value", "into C++ struct field", "into Go struct field",
	"int8_t", "int8", "int16_t", "int16", "int32_t", "int32", "int64_t", "int64",
	"std::vector<", "[]", "std::string", "string", "netrpc::Bytes", "[]uint8",
	"of type double", "of type float64", "of type float", "of type float32")

// normalize sorts the reply lines, which Go's server writes in the order its calls finish.
func normalize(t string) string {
	lines := strings.SplitAfter(t, "\n")
	sort.Strings(lines)
	return strings.Join(lines, "")
}

func nest(n int) string {
	s := ""
	for i := 0; i < n; i++ {
		s += "["
	}
	for i := 0; i < n; i++ {
		s += "]"
	}
	return s
}

// typed runs the same calls with Go's jsonrpc client against a server and returns what the
// reply variables hold at the end, reused across calls as Go code reuses them.
func typed(addr string) (map[string]any, error) {
	c, err := jsonrpc.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	out := map[string]any{}
	calls := 0
	call := func(method string, args, reply any) {
		calls++
		done := c.Go(method, args, reply, make(chan *rpc.Call, 1))
		select {
		case <-done.Done:
			if done.Error != nil {
				out[fmt.Sprintf("call %02d %s error", calls, method)] = done.Error.Error()
			}
		case <-time.After(wait):
			out[method+" timeout"] = true
		}
	}
	var blob []byte
	call("Interop.Blob", int64(3), &blob)
	call("Interop.Blob", int64(0), &blob)
	out["blob after Blob(3), Blob(0)"] = blob

	var comp Composite
	full := Composite{ID: 1, Items: []Inner{{Name: "a", Tags: []string{"t"}, Weights: map[string]float64{"w": 1}}},
		ByID: map[int64]Inner{-1: {Name: "n"}}, Opt: &Inner{Name: "o"}, Matrix: [][]int32{{1}, nil},
		Labels: map[string]string{"a": "1"}}
	call("Interop.EchoComposite", full, &comp)
	call("Interop.EchoComposite", Composite{ID: 2}, &comp)
	out["composite after full, zero"] = comp
	var comp2 Composite
	call("Interop.EchoComposite", full, &comp2)
	call("Interop.EchoComposite", Composite{Labels: map[string]string{"b": "2"}, Items: []Inner{{}}}, &comp2)
	out["composite after full, other"] = comp2

	var sc Scalars
	call("Interop.EchoScalars", Scalars{S: "x", Bytes: []byte{1}}, &sc)
	call("Interop.EchoScalars", Scalars{}, &sc)
	out["scalars after set, zero"] = sc

	var sum int64 = 9
	call("Interop.Sum", []int64(nil), &sum)
	out["sum nil"] = sum
	up := "keep"
	call("Interop.Upper", "", &up)
	out["upper empty"] = up
	call("Interop.Upper", "\xff<\u2028", &up)
	out["upper invalid"] = up
	var cat string
	call("Interop.Concat", []string{}, &cat)
	out["concat empty"] = cat
	var n int64
	call("Interop.Nope", 1, &n)
	call("Interop.Fail", "e <x>", &n)
	call("Interop.Upper", "still", &up)
	out["upper after errors"] = up
	return out, nil
}

func main() {
	goAddr := flag.String("go", "", "json= address of Go's reference server")
	netrpcAddr := flag.String("netrpc", "", "address of a netrpc interop_server")
	flag.Parse()
	if *goAddr == "" || *netrpcAddr == "" {
		fmt.Fprintln(os.Stderr, "usage: jsoncompat -go ADDR -netrpc ADDR")
		os.Exit(2)
	}
	passed, failed := 0, 0
	report := func(name string, err error) {
		if err != nil {
			failed++
			fmt.Printf("FAIL %s: %v\n", name, err)
		} else {
			passed++
			fmt.Printf("PASS %s\n", name)
		}
	}
	for _, rc := range rawCases {
		g, gerr := transcript(*goAddr, rc.req)
		n, nerr := transcript(*netrpcAddr, rc.req)
		want := normalize(g)
		if rc.differs {
			want = rc.netrpc
		} else {
			n = goNames.Replace(n)
		}
		n = normalize(n)
		switch {
		case gerr != nil:
			report(rc.name, fmt.Errorf("Go server: %v", gerr))
		case nerr != nil:
			report(rc.name, fmt.Errorf("netrpc server: %v (Go: %q)", nerr, g))
		case n != want:
			report(rc.name, fmt.Errorf("netrpc %q, want %q (Go %q)", n, want, g))
		default:
			report(rc.name, nil)
		}
	}
	g, gerr := typed(*goAddr)
	n, nerr := typed(*netrpcAddr)
	if gerr != nil || nerr != nil {
		report("typed", fmt.Errorf("dial: Go %v, netrpc %v", gerr, nerr))
	} else {
		var keys []string
		for k := range g {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			gv := g[k]
			nv, ok := n[k]
			if !ok {
				report("typed "+k, fmt.Errorf("netrpc has no %q; Go %#v", k, gv))
			} else if !reflect.DeepEqual(gv, nv) {
				report("typed "+k, fmt.Errorf("netrpc %#v, Go %#v", nv, gv))
			} else {
				report("typed "+k, nil)
			}
		}
		for k, nv := range n {
			if _, ok := g[k]; !ok {
				report("typed "+k, fmt.Errorf("only netrpc has it: %#v", nv))
			}
		}
	}
	fmt.Printf("%d passed, %d failed\n", passed, failed)
	if failed > 0 {
		os.Exit(1)
	}
}
