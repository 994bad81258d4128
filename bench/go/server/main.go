// Command server serves Arith.Multiply and Echo.Echo with Go's net/rpc, the reference peer.
// Usage: server [-addr 127.0.0.1:7002] [-codec gob|json]; prints "listening ADDR".
package main

import (
	"flag"
	"fmt"
	"log"
	"net"
	"net/rpc"
	"net/rpc/jsonrpc"
	"os"
)

// Args is Multiply's argument, as netrpc's bench_service.h describes it.
type Args struct {
	A, B int64
}

// Arith serves Multiply.
type Arith struct{}

// Multiply sets *reply to A*B.
func (*Arith) Multiply(args *Args, reply *int64) error {
	*reply = args.A * args.B
	return nil
}

// Echo serves Echo.
type Echo struct{}

// Echo sends back the bytes it was given.
func (*Echo) Echo(args []byte, reply *[]byte) error {
	*reply = args
	return nil
}

func main() {
	addr := flag.String("addr", "127.0.0.1:7002", "listen address")
	codec := flag.String("codec", "gob", "gob or json")
	flag.Parse()
	server := rpc.NewServer()
	if err := server.Register(new(Arith)); err != nil {
		log.Fatal(err)
	}
	if err := server.Register(new(Echo)); err != nil {
		log.Fatal(err)
	}
	l, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("listening %s\n", l.Addr())
	os.Stdout.Sync()
	for {
		conn, err := l.Accept()
		if err != nil {
			log.Fatal(err)
		}
		if *codec == "json" {
			go server.ServeCodec(jsonrpc.NewServerCodec(conn))
		} else {
			go server.ServeConn(conn)
		}
	}
}
