// Command tls is Go's side of the TLS interop tests: Go's crypto/tls with net/rpc, both ways.
//
//	tls -serve 127.0.0.1:0 -cert F -key F [-client-ca F]
//	    tls.Listen, then rpc.ServeConn (gob) and, on a second port, jsonrpc.ServeConn, serving
//	    Interop.Concat, Interop.Fail and Interop.Blob as SPEC.md's reference server does; with
//	    -client-ca a verified client certificate is required (tls.RequireAndVerifyClientCert).
//	    Prints `gob=ADDR json=ADDR` once listening.
//	tls -client ADDR -proto gob|json|http -ca F [-cert F -key F] [-refused]
//	    tls.Dial, then rpc.NewClient, jsonrpc.NewClient, or the CONNECT that rpc.DialHTTP
//	    writes, inside TLS; runs the cases and prints `PASS name` or `FAIL name: why` each, then
//	    `N passed, M failed`. With -refused the one case is that the server refuses this client
//	    (no certificate, or one it does not trust).
package main

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/rpc"
	"net/rpc/jsonrpc"
	"os"
	"strings"
	"time"
)

type Interop struct{}

func (*Interop) Concat(args []string, reply *string) error {
	*reply = strings.Join(args, "")
	return nil
}

func (*Interop) Fail(args string, reply *int64) error { return errors.New(args) }

func (*Interop) Blob(args int64, reply *[]byte) error {
	if args < 0 || args > 64<<20 {
		return fmt.Errorf("Blob: size %d out of range", args)
	}
	b := make([]byte, args)
	for i := range b {
		b[i] = byte(i * 7 % 251)
	}
	*reply = b
	return nil
}

func pool(file string) *x509.CertPool {
	pem, err := os.ReadFile(file)
	if err != nil {
		log.Fatal(err)
	}
	p := x509.NewCertPool()
	if !p.AppendCertsFromPEM(pem) {
		log.Fatalf("%s: no certificate", file)
	}
	return p
}

func serve(addr, certFile, keyFile, clientCA string) {
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		log.Fatal(err)
	}
	config := &tls.Config{Certificates: []tls.Certificate{cert}}
	if clientCA != "" {
		config.ClientCAs = pool(clientCA)
		config.ClientAuth = tls.RequireAndVerifyClientCert
	}
	if err := rpc.RegisterName("Interop", &Interop{}); err != nil {
		log.Fatal(err)
	}
	listen := func(serveConn func(io.ReadWriteCloser)) string {
		l, err := tls.Listen("tcp", addr, config)
		if err != nil {
			log.Fatal(err)
		}
		go func() {
			for {
				c, err := l.Accept()
				if err != nil {
					log.Fatal(err)
				}
				go serveConn(c)
			}
		}()
		return l.Addr().String()
	}
	gobAddr := listen(rpc.ServeConn)
	jsonAddr := listen(jsonrpc.ServeConn)
	fmt.Printf("gob=%s json=%s\n", gobAddr, jsonAddr)
	select {}
}

func dial(addr, proto string, config *tls.Config) (*rpc.Client, error) {
	conn, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", addr, config)
	if err != nil {
		return nil, err
	}
	switch proto {
	case "gob":
		return rpc.NewClient(conn), nil
	case "json":
		return jsonrpc.NewClient(conn), nil
	case "http": // what rpc.DialHTTPPath writes and reads, inside TLS
		io.WriteString(conn, "CONNECT "+rpc.DefaultRPCPath+" HTTP/1.0\n\n")
		resp, err := http.ReadResponse(bufio.NewReader(conn), &http.Request{Method: "CONNECT"})
		if err == nil && resp.Status == "200 Connected to Go RPC" {
			return rpc.NewClient(conn), nil
		}
		conn.Close()
		if err == nil {
			err = errors.New("unexpected HTTP response: " + resp.Status)
		}
		return nil, err
	}
	return nil, errors.New("unknown -proto " + proto)
}

func cases(c *rpc.Client) []func() (string, error) {
	return []func() (string, error){
		func() (string, error) {
			var s string
			err := c.Call("Interop.Concat", []string{"tl", "s"}, &s)
			if err == nil && s != "tls" {
				err = fmt.Errorf("got %q", s)
			}
			return "concat", err
		},
		func() (string, error) {
			var n int64
			err := c.Call("Interop.Fail", "refused inside TLS", &n)
			if _, ok := err.(rpc.ServerError); ok && err.Error() == "refused inside TLS" {
				err = nil
			} else {
				err = fmt.Errorf("got %v", err)
			}
			return "server-error", err
		},
		func() (string, error) {
			var b []byte
			err := c.Call("Interop.Blob", int64(3<<20), &b) // many TLS records
			if err == nil {
				want := make([]byte, 3<<20)
				for i := range want {
					want[i] = byte(i * 7 % 251)
				}
				if !bytes.Equal(b, want) {
					err = fmt.Errorf("blob of %d bytes differs", len(b))
				}
			}
			return "blob-3MiB", err
		},
	}
}

func main() {
	serveAddr := flag.String("serve", "", "serve on this address")
	clientAddr := flag.String("client", "", "run the cases against this server")
	proto := flag.String("proto", "gob", "gob, json or http")
	certFile := flag.String("cert", "", "certificate (PEM)")
	keyFile := flag.String("key", "", "private key (PEM)")
	ca := flag.String("ca", "", "the CA the server's certificate chains to")
	clientCA := flag.String("client-ca", "", "require client certificates of this CA")
	refused := flag.Bool("refused", false, "expect the server to refuse this client")
	flag.Parse()
	if *serveAddr != "" {
		serve(*serveAddr, *certFile, *keyFile, *clientCA)
	}
	if *clientAddr == "" || *ca == "" {
		fmt.Fprintln(os.Stderr, "usage: tls -serve ADDR -cert F -key F [-client-ca F] | -client ADDR -proto P -ca F [-cert F -key F] [-refused]")
		os.Exit(2)
	}
	config := &tls.Config{RootCAs: pool(*ca)}
	if *certFile != "" {
		cert, err := tls.LoadX509KeyPair(*certFile, *keyFile)
		if err != nil {
			log.Fatal(err)
		}
		config.Certificates = []tls.Certificate{cert}
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
	c, err := dial(*clientAddr, *proto, config)
	if *refused {
		// In TLS 1.3 the client's handshake ends before the server has checked its
		// certificate: the refusal then comes with the first call.
		if err == nil {
			var s string
			err = c.Call("Interop.Concat", []string{"a"}, &s)
		}
		if err != nil {
			fmt.Printf("refused: %v\n", err)
			report("refused", nil)
		} else {
			report("refused", errors.New("the server served a client it should refuse"))
		}
	} else if err != nil {
		report("dial", err)
	} else {
		for _, run := range cases(c) {
			name, err := run()
			report(*proto+"/"+name, err)
		}
		c.Close()
	}
	fmt.Printf("%d passed, %d failed\n", passed, failed)
	if failed > 0 {
		os.Exit(1)
	}
}
