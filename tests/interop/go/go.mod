// go.mod: the Go programs of tests/interop (standard library only), built at test time by
// run_interop.sh; Go's reference programs live in the shared interop folder instead.
module netrpc/interop

go 1.19
