// Command jsonrpcgolden prints the bytes Go's net/rpc/jsonrpc and encoding/json write for the
// values tests/codec/jsonrpc_test.cc encodes, as C++ constants to paste into that test.
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/rpc"
	"net/rpc/jsonrpc"
	"os"
	"regexp"
	"strconv"
	"strings"
)

type Inner struct {
	X int32  `json:"x"`
	S string `json:"s"`
}

// All mirrors the C++ test struct; tags give the C++ field names.
type All struct {
	B       bool               `json:"b"`
	I8      int8               `json:"i8"`
	I16     int16              `json:"i16"`
	I32     int32              `json:"i32"`
	I64     int64              `json:"i64"`
	U8      uint8              `json:"u8"`
	U16     uint16             `json:"u16"`
	U32     uint32             `json:"u32"`
	U64     uint64             `json:"u64"`
	F32     float32            `json:"f32"`
	F64     float64            `json:"f64"`
	Str     string             `json:"str"`
	Bytes   []byte             `json:"bytes"`
	Ints    []int32            `json:"ints"`
	Inners  []Inner            `json:"inners"`
	SMap    map[string]int32   `json:"smap"`
	IMap    map[int64]string   `json:"imap"`
	UMap    map[uint32]float64 `json:"umap"`
	Opt     *Inner             `json:"opt"`
	OptNone *int32             `json:"opt_none"`
	Color   uint8              `json:"color"`
}

func FullAll() All {
	return All{
		B: true, I8: math.MinInt8, I16: math.MinInt16, I32: math.MinInt32, I64: math.MinInt64,
		U8: math.MaxUint8, U16: math.MaxUint16, U32: math.MaxUint32, U64: math.MaxUint64,
		F32: 3.14159, F64: 1e21,
		Str:    "h\u00e9llo <b>&\"\\\n\t\x01\u2028",
		Bytes:  []byte{0, 1, 2, 250, 251, 255, 7},
		Ints:   []int32{1, -2, 3},
		Inners: []Inner{{1, "a"}, {2, "b"}},
		SMap:   map[string]int32{"b": 2, "a": 1, "<": 3},
		IMap:   map[int64]string{1: "one", 10: "ten", 2: "two", -5: "neg"},
		UMap:   map[uint32]float64{7: 0.5},
		Opt:    &Inner{9, "nine"},
		Color:  2,
	}
}

// sink collects what a codec writes; reads come from in.
type sink struct {
	in  io.Reader
	out bytes.Buffer
}

func (s *sink) Read(p []byte) (int, error)  { return s.in.Read(p) }
func (s *sink) Write(p []byte) (int, error) { return s.out.Write(p) }
func (s *sink) Close() error                { return nil }

func emit(name string, b []byte) {
	if strings.Contains(string(b), ")golden\"") {
		panic(name)
	}
	fmt.Printf("constexpr std::string_view %s = R\"golden(%s)golden\";\n", name, b)
}

func request(seq uint64, method string, param any) []byte {
	s := &sink{in: strings.NewReader("")}
	c := jsonrpc.NewClientCodec(s)
	if err := c.WriteRequest(&rpc.Request{ServiceMethod: method, Seq: seq}, param); err != nil {
		panic(err)
	}
	return s.out.Bytes()
}

// response feeds one request to Go's server codec and returns what it writes in reply.
func response(req string, reply any, errText string) []byte {
	s := &sink{in: strings.NewReader(req)}
	c := jsonrpc.NewServerCodec(s)
	var r rpc.Request
	if err := c.ReadRequestHeader(&r); err != nil {
		panic(err)
	}
	var body json.RawMessage
	_ = c.ReadRequestBody(&body)
	if err := c.WriteResponse(&rpc.Response{ServiceMethod: r.ServiceMethod, Seq: r.Seq, Error: errText}, reply); err != nil {
		panic(err)
	}
	return s.out.Bytes()
}

func marshal(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

func main() {
	if len(os.Args) > 1 && os.Args[1] == "decodes" {
		decodes()
		return
	}
	if len(os.Args) > 1 && os.Args[1] == "client" {
		clientReads()
		return
	}
	full := FullAll()
	emit("kGoRequestAll", request(7, "Svc.Echo", &full))
	emit("kGoRequestZero", request(0, "Svc.Echo", &All{}))
	emit("kGoRequestInt", request(18446744073709551615, "Arith.Neg", int64(-42)))
	emit("kGoResponseAll", response(`{"method":"Svc.Echo","params":[{}],"id":"x<y"}`, &full, ""))
	emit("kGoResponseError", response(`{"method":"Svc.Echo","params":[{}],"id":42}`, &full, "boom <1>"))
	emit("kGoResponseRawId", response(`{"method":"Svc.Echo","params":[{}],"id":{ "a" : [1.50, "\u0041&"] }}`, int32(5), ""))
	emit("kGoResponseNoId", response(`{"method":"Svc.Echo","params":[{}]}`, "s", ""))

	floats := []float64{0, math.Copysign(0, -1), 1, -1.5, 0.1, 1e20, 1e21, 1.2345678901234568e+20,
		1e-6, 9.99e-7, 1e-7, 5e-324, math.MaxFloat64, 3.14, 100, 1e100, 2.5e-10, 123456.789,
		-2.2250738585072014e-308, 1e23, 4.35e-5}
	emit("kGoFloat64s", marshal(floats))
	floats32 := []float32{3.14159, 1e21, 1e-7, 16777216, 0.1, math.MaxFloat32, 1e-45, 1e20, 2.5e-6}
	emit("kGoFloat32s", marshal(floats32))
	strs := []string{"", "plain", "<>&", "\"\\/", "\n\r\t\b\f\x00\x1f", "\u00e9\u4e16\u754c\U0001F600",
		"\u2028\u2029", "bad\xff\xfe", "\xed\xa0\x80", "\xc0\x80", "trunc\xe4\xb8"}
	emit("kGoStrings", marshal(strs))
	_, err := json.Marshal(math.NaN())
	emit("kGoNaNError", []byte(err.Error()))
	_, err = json.Marshal(math.Inf(-1))
	emit("kGoNegInfError", []byte(err.Error()))

	// What Go's decoder makes of keys in another case, unknown keys and a string id.
	var decoded All
	s := &sink{in: strings.NewReader(`{"METHOD":"Svc.Echo","Params":[{"I32":5,"STR":"x","extra":[1,{"y":2}]}],"Id":"q"}`)}
	c := jsonrpc.NewServerCodec(s)
	var r rpc.Request
	if err := c.ReadRequestHeader(&r); err != nil {
		panic(err)
	}
	if err := c.ReadRequestBody(&decoded); err != nil {
		panic(err)
	}
	fmt.Fprintf(os.Stderr, "method=%s i32=%d str=%s\n", r.ServiceMethod, decoded.I32, decoded.Str)
}

// clientReads prints what Go's jsonrpc client codec makes of each response text: the header
// error, or the seq and error string and what the result decodes to as a string.
func clientReads() {
	responses := []string{
		`{"id":1,"result":"ok","error":null}`,
		`{"id":1,"result":null,"error":null}`,
		`{"id":1,"error":null}`,
		`{"id":1}`,
		`{"id":1,"result":null,"error":"boom"}`,
		`{"id":1,"result":"ok","error":"both"}`,
		`{"id":1,"result":"ok","error":""}`,
		`{"id":1,"result":null,"error":5}`,
		`{"id":1,"result":null,"error":1e21}`,
		`{"id":1,"result":null,"error":123456789}`,
		`{"id":1,"result":null,"error":0.000012}`,
		`{"id":1,"result":null,"error":true}`,
		`{"id":1,"result":null,"error":[1,"a",null]}`,
		`{"id":1,"result":null,"error":{"z":1,"a":{"b":[]},"m":"x y"}}`,
		`{"id":1,"result":"ok","error":{}}`,
		`{"id":"1","result":"ok","error":null}`,
		`{"id":-1,"result":"ok","error":null}`,
		`{"id":1.5,"result":"ok","error":null}`,
		`{"id":null,"result":"ok","error":null}`,
		`{"result":"ok","error":null}`,
		`{"ID":1,"Result":"ok","ERROR":null}`,
		`{"id":1,"result":5,"error":null}`,
		`{"id":1,"result":"\ud800","error":null}`,
		`{"id":1,"result":"ok","error":null,"id":2}`,
		`[1]`,
	}
	fmt.Println("// Produced by tests/codec/jsonrpc_go (clientReads): Go's jsonrpc client codec.")
	fmt.Println("constexpr GoClientRead kGoClientReads[] = {")
	for _, r := range responses {
		s := &sink{in: strings.NewReader(r)}
		c := jsonrpc.NewClientCodec(s)
		var resp rpc.Response
		header, body, result := "", "", ""
		if err := c.ReadResponseHeader(&resp); err != nil {
			header = err.Error()
		} else {
			var x string
			if resp.Error != "" {
				c.ReadResponseBody(nil) // as net/rpc's client does after an error
			} else if err := c.ReadResponseBody(&x); err != nil {
				body = err.Error()
			}
			result = fmt.Sprintf("seq=%d error=%s result=%s", resp.Seq, resp.Error, x)
		}
		fmt.Printf("    {%s, %s, %s, %s},\n", strconv.Quote(r), strconv.Quote(header), strconv.Quote(body), strconv.Quote(result))
	}
	fmt.Println("};")
}

// cQuote is strconv.Quote made safe for C++, where a hex escape takes every hex digit after it:
// "\xffb" becomes "\xff" "b".
func cQuote(s string) string {
	return hexRun.ReplaceAllString(strconv.Quote(s), `$1""$2`)
}

var hexRun = regexp.MustCompile(`(\\x[0-9a-f]{2})([0-9a-fA-F])`)

// decodes prints what encoding/json's Unmarshal makes of JSON strings read into []byte (base64)
// and into string (escapes and invalid UTF-8): the error text, or the bytes as a Go-quoted
// string.
func decodes() {
	bytesIn := []string{`""`, `"AQI="`, `"AQI"`, `"AQ=="`, `"AQ="`, `"AQ"`, `"A"`, `"AQ!="`, `"AQ==="`,
		`"AQ==A"`, `"=AQI"`, `"AQ\r\nI=\n"`, `"AQ\nI"`, `"AQIDBA=="`, `"AQIDBAU="`, `"AQIDBAUG"`,
		`"AQIDBAUGBwg"`, `"-_8="`, `"AQ=\n="`, `"AQID\u0041"`}
	fmt.Println("// Produced by tests/codec/jsonrpc_go (decodes): json.Unmarshal into []byte and string.")
	fmt.Println("constexpr GoDecode kGoBase64[] = {")
	for _, in := range bytesIn {
		var b []byte
		got := ""
		if err := json.Unmarshal([]byte(in), &b); err != nil {
			got = "error: " + err.Error()
		} else {
			got = string(b)
		}
		fmt.Printf("    {%ssv, %ssv},\n", cQuote(in), cQuote(got))
	}
	fmt.Println("};")
	stringsIn := []string{`"\ud800"`, `"a\udc00b"`, `"\ud83d\ude00"`, `"\ud800\u0041"`,
		`"\ud800\ud800\udc00"`, `"\ud800x"`, `"\udc00\ud800"`, `"\ud800\n"`, `"\uDBFF\uDFFF"`,
		`"\\ud800"`, `"\\\ud800"`, "\"a\xffb\xfe\"", "\"\xed\xa0\x80\"", "\"\xc0\x80\"",
		"\"\xe4\xb8\"", "\"\xf4\x90\x80\x80\"", `"\u0000\u001f"`}
	fmt.Println("constexpr GoDecode kGoStringDecodes[] = {")
	for _, in := range stringsIn {
		var s string
		got := ""
		if err := json.Unmarshal([]byte(in), &s); err != nil {
			got = "error: " + err.Error()
		} else {
			got = s
		}
		fmt.Printf("    {%ssv, %ssv},\n", cQuote(in), cQuote(got))
	}
	fmt.Println("};")
	// Numbers into int64, float64 and float32: Go's texts, or the value printed with %v (for
	// floats the shortest digits, which C++'s to_chars also gives).
	numbersIn := []string{"1.0", "1e2", "-0", "-0.0", "01", "9223372036854775808", "-9223372036854775809",
		"1e309", "-1e309", "1e39", "3.4028235e38", "3.4028236e38", "1.00000005960464477539062500001",
		"1e-400", "-1e-50", "0.1e-310", "4.9406564584124654e-324", "123456789012345678901234567890"}
	fmt.Println("constexpr GoNumber kGoNumbers[] = {")
	for _, in := range numbersIn {
		var i int64
		var f64 float64
		var f32 float32
		show := func(err error, v any) string {
			if err != nil {
				return "error: " + err.Error()
			}
			return fmt.Sprint(v)
		}
		fmt.Printf("    {%ssv, %ssv, %ssv, %ssv},\n", cQuote(in),
			cQuote(show(json.Unmarshal([]byte(in), &i), i)),
			cQuote(show(json.Unmarshal([]byte(in), &f64), f64)),
			cQuote(show(json.Unmarshal([]byte(in), &f32), f32)))
	}
	fmt.Println("};")
}
