// The Go net/rpc program that main.cc ports line for line (README, "From Go").
package main

import (
	"fmt"
	"log"
	"net"
	"net/http"
	"net/rpc"
)

type Args struct{ A, B string }

type StringService struct{}

func (s *StringService) Concat(args *Args, reply *string) error {
	*reply = args.A + args.B
	return nil
}

func main() {
	rpc.Register(new(StringService))
	rpc.HandleHTTP()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal("listen error: ", err)
	}
	go http.Serve(l, nil)

	client, err := rpc.DialHTTP("tcp", l.Addr().String())
	if err != nil {
		log.Fatal("dialing: ", err)
	}
	var reply string
	err = client.Call("StringService.Concat", &Args{"net/", "rpc"}, &reply)
	if err != nil {
		log.Fatal("Concat error: ", err)
	}
	fmt.Println("Call:", reply)

	call := client.Go("StringService.Concat", &Args{"C++", "20"}, &reply, nil)
	<-call.Done
	if call.Error != nil {
		log.Fatal("Concat error: ", call.Error)
	}
	fmt.Println("Go:", reply)
}
