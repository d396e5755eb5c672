#!/bin/sh
# Creates the Ed25519 key pair of access tokens for a deployment, in deploy/keys/.
# Accounts signs with the private key; every service verifies with the public key.
# Replacing the pair logs everybody out: the script refuses to overwrite it.
set -eu

keys="$(dirname "$0")/keys"
private="$keys/access_token_private.pem"
public="$keys/access_token_public.pem"

if [ -e "$private" ]; then
    echo "La paire de clés existe déjà ($private) : supprimez-la d'abord pour la remplacer." >&2
    exit 1
fi
mkdir -p "$keys"
# The folder stays private to its owner on the host...
chmod 700 "$keys"
openssl genpkey -algorithm ed25519 -out "$private"
openssl pkey -in "$private" -pubout -out "$public"
# ...while the files are readable by the containers' unprivileged user: Compose mounts
# file secrets with the host file's own mode.
chmod 644 "$private" "$public"
echo "Clés créées : $private et $public"
