#!/bin/sh
# Entry point of the services' image.
#
# Every NAME_FILE variable becomes NAME, read from that file: keys reach a container as
# mounted secrets (/run/secrets/…) rather than as values in the compose file or in
# `docker inspect`. Then runs the command, by default the service named by SERVICE.
set -eu

for file_variable in $(env | sed -n 's/^\([A-Z][A-Z0-9_]*\)_FILE=.*$/\1/p'); do
    eval "path=\${${file_variable}_FILE}"
    eval "already=\${${file_variable}:-}"
    if [ -n "$already" ]; then
        echo "docker-entrypoint: ${file_variable} et ${file_variable}_FILE sont tous deux définis" >&2
        exit 1
    fi
    if [ ! -r "$path" ]; then
        echo "docker-entrypoint: ${file_variable}_FILE désigne un fichier illisible : $path" >&2
        exit 1
    fi
    export "${file_variable}=$(cat "$path")"
    unset "${file_variable}_FILE"
done

if [ "$#" -eq 0 ]; then
    set -- python -m "services.${SERVICE:?indiquez SERVICE ou une commande}"
fi
exec "$@"
