// Command client drives W1-W5 against a net/rpc server: one goroutine per call in flight,
// each checking its replies, with the same log-linear histogram and RESULT line as bench/.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"math/bits"
	"net/rpc"
	"net/rpc/jsonrpc"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// Args is Multiply's argument.
type Args struct {
	A, B int64
}

const subBits = 5
const sub = 1 << subBits
const buckets = (64 - subBits + 1) * sub

// histogram matches bench/histogram.h bucket for bucket.
type histogram struct {
	counts [buckets]uint64
	total  uint64
}

func (h *histogram) record(ns uint64) {
	idx := ns
	if ns >= sub {
		msb := 63 - bits.LeadingZeros64(ns)
		shift := msb - subBits
		idx = uint64(shift+1)*sub + (ns>>uint(shift))&(sub-1)
	}
	h.counts[idx]++
	h.total++
}

func (h *histogram) merge(o *histogram) {
	for i := range h.counts {
		h.counts[i] += o.counts[i]
	}
	h.total += o.total
}

func upperBound(i uint64) uint64 {
	if i < sub {
		return i
	}
	shift := i/sub - 1
	return ((sub + i%sub + 1) << shift) - 1
}

func (h *histogram) percentile(q float64) uint64 {
	if h.total == 0 {
		return 0
	}
	rank := uint64(q * float64(h.total))
	if rank >= h.total {
		rank = h.total - 1
	}
	var seen uint64
	for i, c := range h.counts {
		seen += c
		if seen > rank {
			return upperBound(uint64(i))
		}
	}
	return upperBound(buckets - 1)
}

func selfCPU() float64 {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return float64(ru.Utime.Sec+ru.Stime.Sec) + float64(ru.Utime.Usec+ru.Stime.Usec)/1e6
}

func procCPU(pid int) float64 {
	if pid <= 0 {
		return 0
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	u, _ := strconv.ParseFloat(f[11], 64)
	st, _ := strconv.ParseFloat(f[12], 64)
	return (u + st) / 100 // USER_HZ is 100 on Linux
}

func procRSS(pid int) int64 {
	if pid <= 0 {
		return 0
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmHWM:") {
			v, _ := strconv.ParseInt(strings.Fields(line[6:])[0], 10, 64)
			return v
		}
	}
	return 0
}

type workload struct {
	echo            bool
	conns, inflight int
	payload         int
}

var workloads = map[string]workload{
	"W1": {false, 1, 64, 0},
	"W2": {false, 16, 8, 0},
	"W3": {false, 1, 1, 0},
	"W4": {true, 1, 32, 4096},
	"W5": {true, 1, 4, 1 << 20},
}

const (
	warmupPhase = iota
	measurePhase
	stopPhase
)

func main() {
	addr := flag.String("addr", "127.0.0.1:7002", "server address")
	system := flag.String("system", "go-gob", "name in the RESULT line")
	codec := flag.String("codec", "gob", "gob or json")
	name := flag.String("workload", "W1", "W1..W5")
	conns := flag.Int("conns", 0, "connections (0: the workload's)")
	inflight := flag.Int("inflight", 0, "calls in flight per connection (0: the workload's)")
	payload := flag.Int("payload", -1, "echo bytes (-1: the workload's)")
	warmup := flag.Float64("warmup", 2, "warm-up seconds")
	window := flag.Float64("window", 10, "measured seconds")
	serverPid := flag.Int("server-pid", 0, "server pid for CPU and RSS")
	flag.Parse()
	w, ok := workloads[*name]
	if !ok {
		fmt.Fprintln(os.Stderr, "unknown workload", *name)
		os.Exit(2)
	}
	if *conns > 0 {
		w.conns = *conns
	}
	if *inflight > 0 {
		w.inflight = *inflight
	}
	if *payload >= 0 {
		w.payload = *payload
	}

	var phase atomic.Int32
	var errors atomic.Uint64
	var wg sync.WaitGroup
	hists := make([]*histogram, w.conns*w.inflight)
	for ci := 0; ci < w.conns; ci++ {
		var client *rpc.Client
		var err error
		if *codec == "json" {
			client, err = jsonrpc.Dial("tcp", *addr)
		} else {
			client, err = rpc.Dial("tcp", *addr)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "dial:", err)
			os.Exit(1)
		}
		defer client.Close()
		for si := 0; si < w.inflight; si++ {
			id := ci*w.inflight + si
			h := new(histogram)
			hists[id] = h
			wg.Add(1)
			go func() {
				defer wg.Done()
				var out []byte
				in := make([]byte, w.payload)
				for i := range in {
					in[i] = byte(uint64(id)*131 + uint64(i)*7)
				}
				for count := int64(1); ; count++ {
					p := phase.Load()
					if p == stopPhase {
						return
					}
					start := time.Now()
					var good bool
					var err error
					if w.echo {
						out = out[:0]
						err = client.Call("Echo.Echo", in, &out)
						good = err == nil && bytes.Equal(in, out)
					} else {
						args := Args{count, int64(id) + 3}
						var product int64
						err = client.Call("Arith.Multiply", &args, &product)
						good = err == nil && product == args.A*args.B
					}
					elapsed := time.Since(start)
					if !good {
						if errors.Add(1) == 1 {
							fmt.Fprintln(os.Stderr, "call failed or reply does not check out:", err)
						}
						return
					}
					if phase.Load() == measurePhase && p == measurePhase {
						h.record(uint64(elapsed.Nanoseconds()))
					}
				}
			}()
		}
	}
	time.Sleep(time.Duration(*warmup * float64(time.Second)))
	clientCPU0, serverCPU0 := selfCPU(), procCPU(*serverPid)
	start := time.Now()
	phase.Store(measurePhase)
	time.Sleep(time.Duration(*window * float64(time.Second)))
	phase.Store(stopPhase)
	secs := time.Since(start).Seconds()
	clientCPU, serverCPU := selfCPU()-clientCPU0, procCPU(*serverPid)-serverCPU0
	rss := procRSS(*serverPid)
	wg.Wait()
	all := new(histogram)
	for _, h := range hists {
		all.merge(h)
	}
	rate := float64(all.total) / secs
	fmt.Printf("RESULT system=%s workload=%s conns=%d inflight=%d payload=%d window_s=%.3f "+
		"calls=%d calls_per_s=%.0f mib_per_s=%.1f p50_us=%.1f p99_us=%.1f p999_us=%.1f "+
		"client_cpu_s=%.3f server_cpu_s=%.3f server_rss_kib=%d errors=%d\n",
		*system, *name, w.conns, w.inflight, w.payload, secs, all.total, rate,
		rate*float64(w.payload)/(1<<20), float64(all.percentile(0.5))/1e3,
		float64(all.percentile(0.99))/1e3, float64(all.percentile(0.999))/1e3,
		clientCPU, serverCPU, rss, errors.Load())
	if errors.Load() > 0 || all.total == 0 {
		os.Exit(1)
	}
}
