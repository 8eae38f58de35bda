#!/bin/sh
# The app behind Apache, as a CGI script: what a backend answers, with no CORS headers of its own.
# /api/error is not here: Apache answers it itself (a RewriteRule with R=500 in httpd.conf), the
# way it answers any error it generates.
# reply STATUS BODY [HEADER...]
reply() {
  printf 'Status: %s\r\nContent-Type: application/json\r\n' "$1"
  body="$2"
  shift 2
  for header in "$@"; do printf '%s\r\n' "$header"; done
  printf '\r\n%s' "$body"
}
case "$REQUEST_METHOD $PATH_INFO" in
  "GET /items" | "HEAD /items")
    reply "200 OK" '{"items":[]}' "X-Request-Id: items-1" "Set-Cookie: session=abc; Path=/; HttpOnly" ;;
  "PUT /items/1")
    cat >/dev/null
    reply "200 OK" '{"id":1}' "X-Request-Id: items-2" ;;
  *" /items" | *" /items/1")
    reply "405 Method Not Allowed" '{"error":"method not allowed"}' ;;
  *)
    reply "404 Not Found" '{"error":"not found"}' ;;
esac
