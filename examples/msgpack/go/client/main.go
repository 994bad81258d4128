// Command client calls Arith through Go's msgpackrpc codec, for run_msgpack_interop.sh:
// against netrpc's msgpack_server it checks every value and error, and prints
// "N passed, M failed" last; it exits non-zero on any failure.
//
//	GO111MODULE=off GOPATH=/usr/share/gocode go build -o msgpack_go_client main.go
//	./msgpack_go_client -addr 127.0.0.1:PORT
package main

import (
	"flag"
	"fmt"
	"net/rpc"
	"os"
	"time"

	msgpackrpc "github.com/hashicorp/net-rpc-msgpackrpc"
)

type Args struct{ A, B int64 }
type Quotient struct{ Quo, Rem int64 }

var passed, failed int

func check(name string, ok bool, got ...interface{}) {
	if ok {
		passed++
		fmt.Println("ok  ", name)
		return
	}
	failed++
	fmt.Println("FAIL", name, "got:", fmt.Sprint(got...))
}

// serverError reports whether err is the handler's error string, as net/rpc delivers it.
func serverError(err error, want string) bool {
	_, ok := err.(rpc.ServerError)
	return ok && err.Error() == want
}

func main() {
	addr := flag.String("addr", "", "msgpackrpc server address")
	flag.Parse()
	client, err := msgpackrpc.Dial("tcp", *addr)
	if err != nil {
		fmt.Println("dial:", err)
		os.Exit(1)
	}
	defer client.Close()

	var product int64
	err = client.Call("Arith.Multiply", &Args{7, 8}, &product)
	check("Multiply 7*8 = 56", err == nil && product == 56, product, " ", err)

	var quo Quotient
	err = client.Call("Arith.Divide", &Args{17, 5}, &quo)
	check("Divide 17/5 = 3 rem 2", err == nil && quo == Quotient{3, 2}, quo, " ", err)

	err = client.Call("Arith.Divide", &Args{1, 0}, &quo)
	check(`Divide 1/0 fails with ServerError "divide by zero"`, serverError(err, "divide by zero"), err)

	err = client.Call("Arith.Nope", &Args{}, &product)
	check("unknown method fails with net/rpc's message", serverError(err, "rpc: can't find method Arith.Nope"), err)

	err = client.Call("Arith.Divide", &Args{-17, 5}, &quo)
	check("Divide -17/5 = -3 rem -2", err == nil && quo == Quotient{-3, -2}, quo, " ", err)

	err = client.Call("Arith.Multiply", &Args{-1 << 31, 1 << 31}, &product)
	check("Multiply -2^31*2^31 = -2^62", err == nil && product == -1<<62, product, " ", err)

	// Many calls in flight on the one connection; replies may come back in any order.
	calls := make([]*rpc.Call, 50)
	for i := range calls {
		calls[i] = client.Go("Arith.Multiply", &Args{int64(i), -3}, new(int64), nil)
	}
	concurrent := true
	for i, c := range calls {
		select {
		case <-c.Done:
			if c.Error != nil || *c.Reply.(*int64) != int64(i)*-3 {
				concurrent = false
			}
		case <-time.After(20 * time.Second):
			concurrent = false
		}
	}
	check("50 concurrent Multiply calls", concurrent)

	fmt.Printf("%d passed, %d failed\n", passed, failed)
	if failed > 0 {
		os.Exit(1)
	}
}
