#!/usr/bin/env bash
# Writes .env.compose (git-ignored) with the keys every replica of docker-compose.yml must share: OpenIddict's signing
# and encryption certificates (a token issued by one replica is validated by the other) and the token vault's key (a
# platform token stored by one is read by the other). Run once; an existing file is kept. Needs openssl.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
out=.env.compose
if [ -f "$out" ]; then
    echo "$out exists; delete it to make new keys (tokens and stored platform tokens made with the old ones stop working)" >&2
    exit 0
fi
command -v openssl >/dev/null 2>&1 || { echo "compose-keys.sh: openssl not found" >&2; exit 1; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
password="$(openssl rand -hex 16)"
pfx() { # subject, key usage -> base64 PFX on stdout
    openssl req -x509 -newkey rsa:2048 -nodes -days 730 -subj "/CN=$1" -addext "keyUsage=critical,$2" \
        -keyout "$work/key.pem" -out "$work/cert.pem" 2>/dev/null
    openssl pkcs12 -export -inkey "$work/key.pem" -in "$work/cert.pem" -passout "pass:$password" | base64 | tr -d '\n'
}
umask 077
{
    echo "# Made by eng/compose-keys.sh on $(date -u +%Y-%m-%dT%H:%M:%SZ). Secrets: never commit."
    echo "Nexus__Auth__SigningCertificate=$(pfx 'Nexus compose signing' digitalSignature)"
    echo "Nexus__Auth__EncryptionCertificate=$(pfx 'Nexus compose encryption' keyEncipherment)"
    echo "Nexus__Auth__CertificatePassword=$password"
    echo "Nexus__TokenVault__Keys__0__Id=compose-$(date -u +%Y%m%d)"
    echo "Nexus__TokenVault__Keys__0__Key=$(openssl rand -base64 32)"
} >"$out"
echo "wrote $out"
