#!/usr/bin/env bash
# Install the npm packages (the dev tools too), then copy the browser-side face
# detector (face-api + tiny face detector weights), Swagger UI and the QR code
# generator of the admin page from node_modules into static/vendor/, where the
# backend serves them at /static/vendor/. static/vendor/ is git-ignored: run this
# after a checkout and whenever package-lock.json changes.
# Idempotent and quick: npm is only run when node_modules is missing or older
# than the lock file, and files are only copied when they differ.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

# `npm ci` installs exactly the locked versions (and wipes node_modules first),
# so only run it when needed. The marker file npm writes is touched afterwards
# so that its mtime reflects this install, not the tarball's dates.
marker="node_modules/.package-lock.json"
# openapi-typescript and typescript (dev dependencies) type-check docs/api.md's TypeScript
# example against the API contract in the tests.
if [[ ! -f node_modules/@vladmandic/face-api/package.json || ! -f node_modules/swagger-ui-dist/package.json ||
      ! -f node_modules/qrcode-generator/package.json || ! -f node_modules/jsqr/package.json ||
      ! -f node_modules/openapi-typescript/package.json || ! -f node_modules/typescript/package.json ||
      ! -f "$marker" || "package-lock.json" -nt "$marker" ]]; then
    npm ci --no-audit --no-fund
    touch "$marker"
fi

# Copy the listed files of one npm package into static/vendor/<name>/, and drop
# anything left over from an older layout so the folder holds exactly what is served.
vendor() {
    local pkg="node_modules/$1" dest="static/vendor/$2"
    shift 2
    local files=("$@")
    mkdir -p "$dest"
    for f in "${files[@]}"; do
        local src="$pkg/$f" out="$dest/$(basename "$f")"
        if ! cmp -s "$src" "$out"; then
            cp "$src" "$out"
            echo "vendored $out"
        fi
    done
    for existing in "$dest"/*; do
        local keep=0
        for f in "${files[@]}"; do
            [[ "$(basename "$existing")" == "$(basename "$f")" ]] && keep=1
        done
        if [[ $keep == 0 ]]; then
            rm -rf "$existing"
            echo "removed stale $existing"
        fi
    done
}

# dist/face-api.js is the IIFE build: a plain <script> tag defines the global
# `faceapi` (tfjs bundled in), no bundler or import map needed. The pages only
# use the tiny face detector, so only its weights are shipped.
vendor @vladmandic/face-api face-api \
    dist/face-api.js \
    model/tiny_face_detector_model.bin \
    model/tiny_face_detector_model-weights_manifest.json

# Swagger UI for the backend's /docs, served from here rather than a CDN (works offline).
vendor swagger-ui-dist swagger-ui \
    swagger-ui-bundle.js \
    swagger-ui.css \
    favicon-32x32.png

# qrcode-generator's dist/qrcode.js is a plain script defining the global `qrcode`:
# the admin page draws a new kiosk key's QR code with it.
vendor qrcode-generator qrcode-generator dist/qrcode.js

# jsQR's dist/jsQR.js is a plain script (UMD) defining the global `jsQR`: the kiosk reads
# a personal QR code (people without biometrics) from its camera frames with it.
vendor jsqr jsqr dist/jsQR.js
