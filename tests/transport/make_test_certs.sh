#!/usr/bin/env bash
# make_test_certs.sh DIR: the certificates the TLS tests use, made afresh each run (no private
# key is committed). In DIR:
#   ca.pem            the test CA;  other_ca.pem  a CA nobody trusts
#   server.pem/.key   CN=netrpc test server, SAN DNS:localhost IP:127.0.0.1 IP:::1, by ca
#   server2.pem/.key  the same names, another key (the reload tests swap to it), by ca
#   client.pem/.key   CN=client,O=netrpc test, SAN DNS:client.example, by ca (mTLS)
#   stranger.pem/.key a client certificate by other_ca
#   expired.pem/.key  server.pem's names, valid only in 2020, by ca (`openssl ca` with dates)
set -euo pipefail
dir=${1:?usage: make_test_certs.sh DIR}
mkdir -p "$dir"
cd "$dir"

quiet() { "$@" >/dev/null 2>&1 || { echo "failed: $*" >&2; "$@"; }; }

ca() {  # ca NAME CN
  quiet openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 3650 \
    -subj "/CN=$2" -keyout "$1.key" -out "$1.pem" \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign
}

leaf() {  # leaf NAME CA SUBJECT SAN USAGE
  quiet openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "$3" \
    -keyout "$1.key" -out "$1.csr"
  printf 'subjectAltName=%s\nextendedKeyUsage=%s\nbasicConstraints=CA:FALSE\n' "$4" "$5" >"$1.ext"
  quiet openssl x509 -req -in "$1.csr" -CA "$2.pem" -CAkey "$2.key" -CAcreateserial -days 365 \
    -extfile "$1.ext" -out "$1.pem"
}

server_san="DNS:localhost,IP:127.0.0.1,IP:::1"
ca ca "netrpc test CA"
ca other_ca "netrpc untrusted CA"
leaf server ca "/CN=netrpc test server" "$server_san" serverAuth
leaf server2 ca "/CN=netrpc test server 2" "$server_san" serverAuth
leaf client ca "/O=netrpc test/CN=client" "DNS:client.example" clientAuth
leaf stranger other_ca "/CN=stranger" "DNS:stranger.example" clientAuth

# An expired certificate: `openssl ca` takes explicit start and end dates.
mkdir -p expired-ca
: >expired-ca/index.txt
echo 1000 >expired-ca/serial
cat >expired-ca/ca.cnf <<CNF
[ca]
default_ca = test
[test]
database = expired-ca/index.txt
serial = expired-ca/serial
new_certs_dir = expired-ca
certificate = ca.pem
private_key = ca.key
default_md = sha256
policy = anything
copy_extensions = none
[anything]
commonName = supplied
[ext]
subjectAltName = $server_san
extendedKeyUsage = serverAuth
basicConstraints = CA:FALSE
CNF
quiet openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
  -subj "/CN=netrpc expired server" -keyout expired.key -out expired.csr
quiet openssl ca -batch -config expired-ca/ca.cnf -extensions ext -startdate 20200101000000Z \
  -enddate 20201231000000Z -in expired.csr -out expired.pem
rm -f ./*.csr ./*.ext
