# shellcheck shell=bash disable=SC2034,SC2154 # the run state is declared once, in bench/run.sh, and shared by its parts
# The portal-items scenario's session: the API starts with an initial admin (bench/lib/harness.sh passes it by
# environment), and curl signs in through the real forms once — antiforgery token from each form, a cookie jar — and
# changes the initial password as the portal demands at first sign-in. wrk then sends the session cookie from a file.
# Sourced by bench/run.sh.

# Percent-encodes $1 for an application/x-www-form-urlencoded body, in bash: the value never reaches a command line.
form_encode() {
  local text="$1" out="" char i
  for ((i = 0; i < ${#text}; i++)); do
    char="${text:i:1}"
    case "$char" in
      [A-Za-z0-9._~-]) out+="$char" ;;
      *) printf -v char '%%%02X' "'$char"; out+="$char" ;;
    esac
  done
  printf '%s' "$out"
}

# The value of the hidden input NAME in the page saved at FILE.
hidden_value() {
  grep -o "<input[^>]*name=\"$1\"[^>]*>" "$2" | head -n 1 | sed -nE 's/.*value="([^"]*)".*/\1/p'
}

# GETs a portal page with the session's cookie jar; prints the HTTP status, the page goes to $work_dir/portal-page.
portal_get() {
  curl -s -o "$work_dir/portal-page" -w '%{http_code}' -b "$work_dir/portal-jar" -c "$work_dir/portal-jar" \
    "http://127.0.0.1:$api_port$1"
}

# Posts the form HANDLER of the page at PATH (just read into $work_dir/portal-page) with the fields in the file
# FIELDS (already encoded, "&name=value" each); prints the HTTP status. The body is a 0600 file: it holds passwords.
portal_post() {
  local path="$1" handler="$2" fields="$3" token
  token="$(hidden_value __RequestVerificationToken "$work_dir/portal-page")"
  [[ -n "$token" ]] || die "the portal page $path has no antiforgery token: $(head -c 300 "$work_dir/portal-page")"
  (umask 077 && { printf '_handler=%s&__RequestVerificationToken=%s' "$handler" "$(form_encode "$token")"
    cat "$fields"; } >"$work_dir/portal-form")
  curl -s -o "$work_dir/portal-page" -w '%{http_code}' -b "$work_dir/portal-jar" -c "$work_dir/portal-jar" \
    -H 'Content-Type: application/x-www-form-urlencoded' --data-binary @"$work_dir/portal-form" \
    "http://127.0.0.1:$api_port$path"
}

# Signs in as the initial admin, changes its password, and writes the session's Cookie header to portal_cookie_file.
portal_sign_in() {
  local status new_password
  new_password="$(random_hex 24)"
  log "signing in to the portal as $PORTAL_ADMIN (and changing the initial password)"
  (umask 077 && : >"$work_dir/portal-jar")
  status="$(portal_get /account/signin)"
  [[ "$status" == 200 ]] || die "GET /account/signin answered $status (is the portal mapped?)"
  (umask 077 && printf '&Input.UserName=%s&Input.Password=%s' "$(form_encode "$PORTAL_ADMIN")" \
    "$(form_encode "$portal_password")" >"$work_dir/portal-fields")
  status="$(portal_post /account/signin signin "$work_dir/portal-fields")"
  [[ "$status" == 302 ]] ||
    die "signing in answered $status, not a redirect: $(grep -o 'role="alert"[^<]*<[^<]*' "$work_dir/portal-page")"

  status="$(portal_get /account/password)"
  [[ "$status" == 200 ]] || die "GET /account/password answered $status after signing in"
  (umask 077 && printf '&Input.Current=%s&Input.New=%s&Input.Confirm=%s' "$(form_encode "$portal_password")" \
    "$(form_encode "$new_password")" "$(form_encode "$new_password")" >"$work_dir/portal-fields")
  status="$(portal_post /account/password password "$work_dir/portal-fields")"
  [[ "$status" == 302 ]] || die "changing the initial password answered $status, not a redirect"
  portal_password="$new_password"
  rm -f "$work_dir/portal-fields" "$work_dir/portal-form"

  # Every cookie of the jar (the session's may come in chunks): "Cookie: a=1; b=2".
  (umask 077 && awk -F'\t' 'BEGIN { printf "Cookie: " } NF == 7 { printf "%s%s=%s", sep, $6, $7; sep = "; " }
    END { print "" }' "$work_dir/portal-jar" >"$portal_cookie_file")
  status="$(curl -s -o "$work_dir/portal-page" -w '%{http_code}' -H "@$portal_cookie_file" \
    "http://127.0.0.1:$api_port$PORTAL_ITEMS_PATH")"
  portal_items_rows="$(grep -o '<tr[ >]' "$work_dir/portal-page" | wc -l)"
  log "GET $PORTAL_ITEMS_PATH signed in: $status, $portal_items_rows table rows (header included)"
}
