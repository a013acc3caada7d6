# Throwaway certificates for the TLS tests (sourced, not run).
#
#   tls_certs DIR
#
# writes into DIR, with openssl, keys and PEM certificates:
#   ca.pem                 the test CA
#   server.pem/.key        signed by it, for 198.18.0.2 and 127.0.0.1 (and localhost)
#   client.pem/.key        signed by it
#   expired.pem/.key       signed by it, valid only in January 2020
#   other-ca.pem           another CA
#   other.pem/.key         signed by the other CA
# Returns 77 (skip) without openssl, 1 when it fails, after a message.

tls_certs() {
	local d=$1 ext
	command -v openssl >/dev/null 2>&1 || { echo "SKIP: no openssl (apt-get install openssl)"; return 77; }
	ext=$d/ext.cnf
	cat >"$ext" <<'CNF'
subjectAltName = IP:198.18.0.2, IP:127.0.0.1, DNS:localhost
basicConstraints = CA:FALSE
keyUsage = digitalSignature
extendedKeyUsage = serverAuth, clientAuth
CNF
	# openssl ca, for a certificate whose dates are in the past.
	cat >"$d/ca.cnf" <<CNF
[ca]
default_ca = test
[test]
database = $d/index.txt
new_certs_dir = $d
serial = $d/serial
default_md = sha256
policy = any
[any]
commonName = supplied
[ext]
basicConstraints = CA:FALSE
keyUsage = digitalSignature
extendedKeyUsage = serverAuth, clientAuth
CNF
	: >"$d/index.txt"
	echo 1000 >"$d/serial"
	{
		for ca in ca other-ca; do
			openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
				-keyout "$d/$ca.key" -out "$d/$ca.pem" -days 2 -subj "/CN=lmig test $ca" || return 1
		done
		for c in server:ca client:ca other:other-ca expired:ca; do
			n=${c%%:*} ca=${c#*:}
			openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
				-keyout "$d/$n.key" -out "$d/$n.csr" -subj "/CN=lmig-$n" || return 1
			if [ "$n" = expired ]; then
				openssl ca -batch -config "$d/ca.cnf" -cert "$d/ca.pem" -keyfile "$d/ca.key" \
					-extensions ext -notext -startdate 20200101000000Z -enddate 20200131000000Z \
					-in "$d/$n.csr" -out "$d/$n.pem" || return 1
			else
				openssl x509 -req -in "$d/$n.csr" -CA "$d/$ca.pem" -CAkey "$d/$ca.key" \
					-CAcreateserial -days 1 -extfile "$ext" -out "$d/$n.pem" || return 1
			fi
		done
	} >"$d/openssl.log" 2>&1 || { echo "tls-certs: openssl failed:"; tail -n 5 "$d/openssl.log"; return 1; }
	chmod 600 "$d"/*.key
}
