# shellcheck shell=bash disable=SC2034,SC2154 # the run state is declared once, in bench/run.sh, and shared by its parts
# The benchmark's data: locations and items through the API, stock by SQL, and the deep page's cursor.
# Sourced by bench/run.sh.

# Prints the HTTP status; the body goes to $work_dir/response.
api_call() {
  local method="$1" path="$2" content_type="$3" data="$4"
  curl -s -o "$work_dir/response" -w '%{http_code}' -X "$method" -H @"$work_dir/key-header" \
    -H "Content-Type: $content_type" --data-binary "$data" "http://127.0.0.1:$api_port$path"
}

write_items_csv() {
  awk -v items="$ITEMS" -v prefix="$SKU_PREFIX" 'BEGIN {
    print "sku,name,category,unit,reorderPoint"
    split("Fasteners,Electrical,Plumbing,Tools,Safety,Paint,Adhesives,Packaging", categories, ",")
    for (i = 1; i <= items; i++)
      printf "%s%05d,Bench item %05d,%s,pcs,%d\n", prefix, i, i, categories[i % 8 + 1], (i * 7) % 40
  }' >"$work_dir/items.csv"
}

# Locations and items through the API (its CSV import takes exactly 10,000 rows); stock by SQL, because 50,000
# receipts through the API would take minutes: each stock row and its ledger receipt in one transaction, so the
# ledger matches on hand from the start.
seed() {
  local i status started
  started="$(now_ms)"
  for i in $(seq 1 "$LOCATIONS"); do
    status="$(api_call POST /api/locations application/json \
      "{\"code\":\"$LOCATION_PREFIX$i\",\"name\":\"Warehouse $i\"}")"
    [[ "$status" == 201 ]] || die "creating location $LOCATION_PREFIX$i answered $status: $(cat "$work_dir/response")"
  done
  write_items_csv
  status="$(api_call POST /api/items/import text/csv "@$work_dir/items.csv")"
  [[ "$status" == 200 ]] || die "the CSV import answered $status: $(head -c 600 "$work_dir/response")"
  sql -v hot_stock="$HOT_STOCK" -v hot_location="$HOT_LOCATION" -v api_hot="$API_HOT_SKU" \
    -v baseline_hot="$BASELINE_HOT_SKU" -v actor="$SEED_ACTOR" >/dev/null <<'SQL'
BEGIN;
INSERT INTO stock_levels (item_id, location_id, quantity)
SELECT i.id, l.id,
       CASE WHEN l.code = :'hot_location' AND i.sku IN (:'api_hot', :'baseline_hot') THEN :hot_stock
            ELSE 50 + (i.id * 7 + l.id * 13) % 450 END
FROM items i CROSS JOIN locations l;
INSERT INTO stock_movements (type, item_id, location_id, quantity, on_hand_after, actor, at, reason)
SELECT 'receipt', item_id, location_id, quantity, quantity, :'actor', now(), 'benchmark seed' FROM stock_levels;
COMMIT;
VACUUM ANALYZE;
SQL
  log "seeded $ITEMS items x $LOCATIONS locations with stock in $(($(now_ms) - started)) ms"
}

# The current ETag of each of the first ETAG_SKUS items, one "SKU ETAG" line each, for get-304; read in one curl
# process over one connection. Nothing moves their stock before get-304 runs (receipt comes after it).
read_etags() {
  local i urls="$work_dir/etag-urls"
  etags_file="$work_dir/etags"
  for i in $(seq 1 "$ETAG_SKUS"); do
    printf 'url = "http://127.0.0.1:%s/api/items/%s%05d"\noutput = "/dev/null"\n' "$api_port" "$SKU_PREFIX" "$i"
  done >"$urls"
  curl -s -H @"$work_dir/key-header" -w '%{http_code} %{url_effective} %header{etag}\n' --config "$urls" |
    awk -v etags="$etags_file" '$1 != 200 || $3 == "" { print; bad = 1; next }
      { sub(".*/", "", $2); print $2, $3 > etags } END { exit bad }' ||
    die "reading the ETags for get-304 failed (lines above: status, URL, ETag)"
  [[ "$(wc -l <"$etags_file")" -eq "$ETAG_SKUS" ]] || die "read $(wc -l <"$etags_file") ETags, not $ETAG_SKUS"
}

# Walks the first pages as a client does, to get a real cursor for the deep page; the baseline reads the same cursor.
find_deep_cursor() {
  local page status
  for page in $(seq 1 "$DEEP_PAGE_SKIP_PAGES"); do
    status="$(curl -s -o "$work_dir/response" -w '%{http_code}' -H @"$work_dir/key-header" \
      "http://127.0.0.1:$api_port/api/items?limit=200${deep_cursor:+&cursor=$deep_cursor}")"
    [[ "$status" == 200 ]] || die "GET /api/items (page $page) answered $status"
    deep_cursor="$(sed -nE 's/.*"nextCursor":"([^"]+)".*/\1/p' "$work_dir/response")"
    [[ -n "$deep_cursor" ]] || die "page $page of GET /api/items has no nextCursor"
  done
}
