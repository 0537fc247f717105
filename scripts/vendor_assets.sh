#!/usr/bin/env bash
# Re-fetch the vendored browser assets (`make vendor`) from the npm registry, pinned.
# The results are committed under api/static/vendor (and tests/pages/vendor for axe-core)
# so a fresh clone serves /docs, /redoc and the pages with no network and no npm.
set -euo pipefail
cd "$(dirname "$0")/.."
HTMX=htmx.org@2.0.11
PICO=@picocss/pico@2.1.1
SWAGGER=swagger-ui-dist@5.35.0
REDOC=redoc@2.5.4
AXE=axe-core@4.14.1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for spec in $HTMX $PICO $SWAGGER $REDOC $AXE; do
  (cd "$work" && npm pack "$spec" --silent >/dev/null)
done
out=api/static/vendor
mkdir -p "$out" tests/pages/vendor
take() {  # take <tarball glob> <path in package> <destination>
  tar xzf "$work"/$1 -C "$work" "package/$2" && mv "$work/package/$2" "$3" && rm -rf "$work/package"
}
take 'htmx.org-*.tgz' dist/htmx.min.js "$out/htmx.min.js"
take 'picocss-pico-*.tgz' css/pico.min.css "$out/pico.min.css"
take 'swagger-ui-dist-*.tgz' swagger-ui-bundle.js "$out/swagger-ui-bundle.js"
take 'swagger-ui-dist-*.tgz' swagger-ui.css "$out/swagger-ui.css"
take 'redoc-*.tgz' bundles/redoc.standalone.js "$out/redoc.standalone.js"
take 'axe-core-*.tgz' axe.min.js tests/pages/vendor/axe.min.js
# each package's licence (and Swagger UI's NOTICE, which Apache-2.0 asks to keep)
for tarball in "$work"/*.tgz; do
  name=$(basename "$tarball" .tgz)
  dest="$out/licenses/${name%-*}"
  case "$name" in axe-core-*) dest="tests/pages/vendor/licenses/${name%-*}" ;; esac
  mkdir -p "$dest"
  tar xzf "$tarball" -C "$work" --wildcards 'package/LICENSE*' 'package/NOTICE' 2>/dev/null || true
  mv "$work"/package/* "$dest"/ && rm -rf "$work/package"
done
printf '%s\n' "$HTMX" "$PICO" "$SWAGGER" "$REDOC" > "$out/VERSIONS"
printf '%s\n' "$AXE" > tests/pages/vendor/VERSIONS
(cd "$out" && sha256sum *.js *.css >> VERSIONS)
echo "vendored: $(tr '\n' ' ' < "$out/VERSIONS" | cut -c1-200)"
