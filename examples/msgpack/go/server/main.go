// Command server serves net/rpc's Arith over Go's msgpackrpc codec, for
// run_msgpack_interop.sh: netrpc's msgpack_client calls it. It prints "listening on ADDR".
//
//	GO111MODULE=off GOPATH=/usr/share/gocode go build -o msgpack_go_server main.go
//	./msgpack_go_server -addr 127.0.0.1:0
package main

import (
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"net/rpc"

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

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "address to listen on")
	flag.Parse()
	if err := rpc.Register(new(Arith)); err != nil {
		log.Fatal(err)
	}
	l, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("listening on", l.Addr())
	for {
		conn, err := l.Accept()
		if err != nil {
			log.Fatal(err)
		}
		go rpc.ServeCodec(msgpackrpc.NewServerCodec(conn))
	}
}
