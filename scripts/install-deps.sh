#!/usr/bin/env bash
# install-deps.sh: installs the Debian 12 packages netrpc builds and tests with, only those
# missing (a machine that has them all is left alone: no apt-get update, no network).
set -euo pipefail

packages=(
  g++ cmake ninja-build make libboost1.81-dev libboost-json1.81-dev libssl-dev openssl
  libgtest-dev libgmock-dev libbenchmark-dev clang-14 libclang-rt-14-dev clang-format golang-go curl
  golang-github-hashicorp-net-rpc-msgpackrpc-dev  # examples/msgpack: HashiCorp's Go side
  chromium  # tests/http/browser_test: the debug page as a browser renders it
  etcd-server etcd-client  # tests/xclient/etcd_test: a real etcd, and etcdctl as a second reader
  libgrpc++-dev libprotobuf-dev protobuf-compiler protobuf-compiler-grpc  # bench/: the gRPC peer
  pkg-config  # tests/consumer reads netrpc.pc (CPack's .deb needs only dpkg, always there)
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
  exit 0
fi
sudo=""
if [ "$(id -u)" != 0 ]; then sudo=sudo; fi
echo "installing: ${missing[*]}"
# --no-upgrade: never upgrade what is installed (e.g. OpenSSL), only add what is missing.
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-upgrade "${missing[@]}"
