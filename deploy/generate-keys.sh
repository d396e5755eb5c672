#!/bin/sh
# Creates the secrets of a deployment in deploy/keys/:
# - the Ed25519 key pair of access tokens: accounts signs with the private key, every
#   service verifies with the public key;
# - the site's key signing its forms' anti-forgery tokens, shared by its replicas.
# Replacing either logs everybody out: the script never overwrites one that exists.
set -eu

keys="$(dirname "$0")/keys"
private="$keys/access_token_private.pem"
public="$keys/access_token_public.pem"
site="$keys/web_secret_key"

mkdir -p "$keys"
# The folder stays private to its owner on the host...
chmod 700 "$keys"

if [ -e "$private" ]; then
    echo "La paire de clés existe déjà ($private) : supprimez-la d'abord pour la remplacer." >&2
else
    openssl genpkey -algorithm ed25519 -out "$private"
    openssl pkey -in "$private" -pubout -out "$public"
    echo "Clés créées : $private et $public"
fi

if [ -e "$site" ]; then
    echo "La clé du site existe déjà ($site)." >&2
else
    openssl rand -base64 48 | tr -d '\n' > "$site"
    echo "Clé du site créée : $site"
fi

# ...while the files are readable by the containers' unprivileged user: Compose mounts
# file secrets with the host file's own mode.
chmod 644 "$private" "$public" "$site"
