// Command authgob is a Go net/rpc client against a netrpc server whose auth hook refuses
// Arith.Multiply without a bearer token in the call's metadata, which gob cannot carry, and
// admits Arith.Add to anyone (tests/server/auth_test.cc runs it). Over rpc.Dial and over
// rpc.DialHTTP (CONNECT, which the hook is not asked about) it prints, per client, the refused
// call's error with its Go type, then the next call's outcome on the same client:
//
//	authgob -addr 127.0.0.1:PORT
//
// It exits 1 if it cannot dial.
package main

import (
	"flag"
	"fmt"
	"net/rpc"
	"os"
)

type Args struct{ A, B int64 }

func run(name string, client *rpc.Client) {
	defer client.Close()
	var product int64
	err := client.Call("Arith.Multiply", &Args{7, 8}, &product)
	_, isServerError := err.(rpc.ServerError)
	fmt.Printf("%s Multiply: %T %q ServerError=%v\n", name, err, err, isServerError)
	var sum int64
	err = client.Call("Arith.Add", &Args{7, 8}, &sum)
	fmt.Printf("%s Add: err=%v sum=%d\n", name, err, sum)
}

func main() {
	addr := flag.String("addr", "", "the netrpc server's host:port")
	flag.Parse()
	client, err := rpc.Dial("tcp", *addr)
	if err != nil {
		fmt.Println("dial:", err)
		os.Exit(1)
	}
	run("gob", client)
	client, err = rpc.DialHTTP("tcp", *addr)
	if err != nil {
		fmt.Println("dialhttp:", err)
		os.Exit(1)
	}
	run("http", client)
}
