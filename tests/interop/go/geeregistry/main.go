// Command geeregistry uses GeeRPC's registry protocol (geektutu's GeeRPC, day 7) as GeeRPC's
// own code does, written with the standard library only: it registers a server as
// registry.Heartbeat's sendHeartbeat does (POST, the address in X-Geerpc-Server), then lists
// the servers as xclient.GeeRegistryDiscovery's Refresh does (GET, X-Geerpc-Servers split on
// ',', each trimmed, empties skipped).
//
//	geeregistry -registry http://127.0.0.1:PORT/_geerpc_/registry -server tcp@127.0.0.1:8001
//
// It prints `servers=A,B,...` (the list as read) or `FAIL why`, and exits 1 on failure.
package main

import (
	"flag"
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"
)

func sendHeartbeat(registry, addr string) error {
	httpClient := &http.Client{Timeout: 5 * time.Second}
	req, _ := http.NewRequest("POST", registry, nil)
	req.Header.Set("X-Geerpc-Server", addr)
	resp, err := httpClient.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK { // GeeRPC ignores the status; the test does not
		return fmt.Errorf("POST answered %s", resp.Status)
	}
	return nil
}

func refresh(registry string) ([]string, error) {
	resp, err := (&http.Client{Timeout: 5 * time.Second}).Get(registry)
	if err != nil {
		return nil, err
	}
	resp.Body.Close()
	servers := strings.Split(resp.Header.Get("X-Geerpc-Servers"), ",")
	out := make([]string, 0, len(servers))
	for _, server := range servers {
		if strings.TrimSpace(server) != "" {
			out = append(out, strings.TrimSpace(server))
		}
	}
	return out, nil
}

func main() {
	registry := flag.String("registry", "", "the registry's URL")
	server := flag.String("server", "", "the address to register")
	flag.Parse()
	if *registry == "" || *server == "" {
		fmt.Fprintln(os.Stderr, "usage: geeregistry -registry URL -server ADDR")
		os.Exit(2)
	}
	if err := sendHeartbeat(*registry, *server); err != nil {
		fmt.Println("FAIL heartbeat:", err)
		os.Exit(1)
	}
	servers, err := refresh(*registry)
	if err != nil {
		fmt.Println("FAIL refresh:", err)
		os.Exit(1)
	}
	fmt.Printf("servers=%s\n", strings.Join(servers, ","))
}
