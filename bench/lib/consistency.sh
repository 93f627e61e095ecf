# shellcheck shell=bash disable=SC2034,SC2154 # the run state is declared once, in bench/run.sh, and shared by its parts
# After the load: was the hot-issue stock kept consistent? Its rows against what wrk saw, and the ledger against on
# hand everywhere. Sourced by bench/run.sh.

# The row each target hammered: on hand, its seeded receipt, later receipts and the issues in the ledger.
hot_row_figures() {
  sql -F ' ' -v sku="$1" -v location="$HOT_LOCATION" -v actor="$SEED_ACTOR" <<'SQL'
SELECT s.quantity,
       COALESCE(SUM(m.quantity) FILTER (WHERE m.type = 'receipt' AND m.actor = :'actor'), 0),
       COALESCE(SUM(m.quantity) FILTER (WHERE m.type = 'receipt' AND m.actor <> :'actor'), 0),
       COALESCE(SUM(m.quantity) FILTER (WHERE m.type = 'issue'), 0),
       COUNT(*) FILTER (WHERE m.type = 'issue')
FROM stock_levels s
JOIN items i ON i.id = s.item_id
JOIN locations l ON l.id = s.location_id
LEFT JOIN stock_movements m ON m.item_id = s.item_id AND m.location_id = s.location_id
WHERE i.sku = :'sku' AND l.code = :'location'
GROUP BY s.quantity;
SQL
}

# Every (item, location) whose ledger sum differs from on hand, as the API's StockLedger.FindMismatchesAsync counts
# them.
ledger_mismatches() {
  sql <<'SQL'
WITH deltas AS (
    SELECT item_id, location_id,
           CASE type WHEN 'issue' THEN -quantity WHEN 'transfer' THEN -quantity ELSE quantity END AS delta
    FROM stock_movements
    UNION ALL
    SELECT item_id, to_location_id, quantity FROM stock_movements WHERE type = 'transfer'),
sums AS (SELECT item_id, location_id, SUM(delta) AS total FROM deltas GROUP BY item_id, location_id)
SELECT COUNT(*)
FROM stock_levels s FULL JOIN sums l ON l.item_id = s.item_id AND l.location_id = s.location_id
WHERE COALESCE(s.quantity, 0) <> COALESCE(l.total, 0);
SQL
}

# Each issue takes 1 unit. wrk stops with up to one request per connection in flight, whose answer it never reads
# but the server may still commit: the successful issues are the 201s seen plus at most those.
check_hot_issue() {
  local target sku on_hand seeded receipts issued issues ok in_flight mismatches consistent=true
  sleep 1 # let requests that were in flight when wrk stopped finish
  for target in api baseline; do
    sku="$API_HOT_SKU"
    [[ "$target" == api ]] || sku="$BASELINE_HOT_SKU"
    read -r on_hand seeded receipts issued issues < <(hot_row_figures "$sku")
    ok="${succeeded[$target/hot-issue]:-0}"
    in_flight="${unanswered[$target/hot-issue]:-0}"
    local verdict=ok
    if ((on_hand != seeded + receipts - issued)); then
      verdict="MISMATCH: on hand $on_hand != $seeded + $receipts - $issued"
    elif ((issues < ok || issues > ok + in_flight)); then
      verdict="MISMATCH: the ledger has $issues issues, wrk saw $ok succeed with $in_flight in flight at stop"
    fi
    [[ "$verdict" == ok ]] || consistent=false
    consistency_lines+=("$target $sku@$HOT_LOCATION: seeded $seeded + receipts $receipts - issues $issued = on hand\
 $on_hand; 201s seen $ok (+ $in_flight in flight at stop) vs $issues issues in the ledger: $verdict")
  done
  mismatches="$(ledger_mismatches)"
  ((mismatches == 0)) || consistent=false
  consistency_lines+=("ledger == on hand for every (item, location): $mismatches mismatching")
  hot_issue_consistent="$consistent"
}
