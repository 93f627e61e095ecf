-- wrk script for every scenario of bench/run.sh, chosen by environment variables (so no secret is on a command line):
--   BENCH_SCENARIO   list | portal-items | list-deep | get | get-304 | receipt | hot-issue
--   BENCH_API_KEY    sent as X-Api-Key
--   BENCH_CURSOR     list-deep: the cursor of the deep page
--   BENCH_SKU_PREFIX, BENCH_ITEMS   get: random SKUs PREFIX00001 … PREFIX<BENCH_ITEMS> (zero-padded to 5)
--   BENCH_ETAGS   get-304: a file of "SKU ETAG" lines; each GET sends a random line's ETag as If-None-Match
--   BENCH_RECEIPT_SKUS, BENCH_LOCATIONS   receipt: random SKU among the first N, random location LOC-1 … LOC-M
--   BENCH_LOCATION_PREFIX   the location codes' prefix
--   BENCH_HOT_SKU, BENCH_HOT_LOCATION   hot-issue: every issue takes 1 unit of this SKU at this location
--   BENCH_PORTAL_COOKIE, BENCH_PORTAL_PATH   portal-items: a file holding the signed-in session's "Cookie: …" header
--     line, and the page to GET with it (no API key)
-- done() prints one line for run.sh:
--   BENCH requests=N seconds=S rps=R p50_ms=… p99_ms=… sent=N answered=N socket_errors=N statuses=201:N,409:N
-- Status counts are kept per thread (each wrk thread has its own Lua state) and summed in done() from every thread.

local threads = {}
local counter = 1

function setup(thread)
  thread:set("thread_number", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

local scenario, read_headers, write_headers, prefix, items, location_prefix, locations, receipt_skus, hot_body
local etags = {}

local function env(name, default)
  local value = os.getenv(name)
  if value == nil or value == "" then
    if default == nil then
      error("bench: " .. name .. " is not set")
    end
    return default
  end
  return value
end

local function sku(n)
  return string.format("%s%05d", prefix, n)
end

function init(args)
  statuses = {}
  sent = 0
  answered = 0
  math.randomseed(os.time() * 100 + thread_number)
  scenario = env("BENCH_SCENARIO")
  local key = env("BENCH_API_KEY")
  read_headers = { ["X-Api-Key"] = key }
  write_headers = { ["X-Api-Key"] = key, ["Content-Type"] = "application/json" }
  prefix = env("BENCH_SKU_PREFIX", "BENCH-")
  items = tonumber(env("BENCH_ITEMS", "10000"))
  location_prefix = env("BENCH_LOCATION_PREFIX", "WH-")
  locations = tonumber(env("BENCH_LOCATIONS", "5"))
  receipt_skus = tonumber(env("BENCH_RECEIPT_SKUS", "1000"))
  if scenario == "list" then
    wrk.path = "/api/items?limit=50"
  elseif scenario == "portal-items" then
    local file = assert(io.open(env("BENCH_PORTAL_COOKIE"), "r"))
    local cookie = file:read("*l"):match("^Cookie: (.+)$")
    file:close()
    if cookie == nil then
      error("bench: no Cookie header in " .. env("BENCH_PORTAL_COOKIE"))
    end
    read_headers = { ["Cookie"] = cookie }
    wrk.path = env("BENCH_PORTAL_PATH")
  elseif scenario == "list-deep" then
    wrk.path = "/api/items?limit=50&cursor=" .. env("BENCH_CURSOR")
  elseif scenario == "hot-issue" then
    hot_body = string.format('{"sku":"%s","location":"%s","quantity":1,"reason":"bench"}',
      env("BENCH_HOT_SKU"), env("BENCH_HOT_LOCATION"))
  elseif scenario == "get-304" then
    for line in io.lines(env("BENCH_ETAGS")) do
      local sku_of_line, etag = line:match("^(%S+) (.+)$")
      table.insert(etags, { path = "/api/items/" .. sku_of_line, etag = etag })
    end
    if #etags == 0 then
      error("bench: no ETags in " .. env("BENCH_ETAGS"))
    end
  elseif scenario ~= "get" and scenario ~= "receipt" then
    error("bench: unknown BENCH_SCENARIO " .. scenario)
  end
end

function request()
  sent = sent + 1
  if scenario == "get" then
    return wrk.format("GET", "/api/items/" .. sku(math.random(1, items)), read_headers)
  elseif scenario == "get-304" then
    local known = etags[math.random(1, #etags)]
    read_headers["If-None-Match"] = known.etag
    return wrk.format("GET", known.path, read_headers)
  elseif scenario == "receipt" then
    local body = string.format('{"sku":"%s","location":"%s%d","quantity":1,"reason":"bench"}',
      sku(math.random(1, receipt_skus)), location_prefix, math.random(1, locations))
    return wrk.format("POST", "/api/stock/receipts", write_headers, body)
  elseif scenario == "hot-issue" then
    return wrk.format("POST", "/api/stock/issues", write_headers, hot_body)
  end
  return wrk.format("GET", wrk.path, read_headers)
end

function response(status, response_headers, body)
  answered = answered + 1
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local totals, sent_total, answered_total = {}, 0, 0
  for _, thread in ipairs(threads) do
    for status, count in pairs(thread:get("statuses")) do
      totals[status] = (totals[status] or 0) + count
    end
    sent_total = sent_total + thread:get("sent")
    answered_total = answered_total + thread:get("answered")
  end
  local codes = {}
  for status in pairs(totals) do
    table.insert(codes, status)
  end
  table.sort(codes)
  local parts = {}
  for _, status in ipairs(codes) do
    table.insert(parts, status .. ":" .. totals[status])
  end
  local errors = summary.errors
  local seconds = summary.duration / 1e6
  io.write(string.format(
    "BENCH requests=%d seconds=%.3f rps=%.1f p50_ms=%.2f p99_ms=%.2f sent=%d answered=%d socket_errors=%d"
      .. " statuses=%s\n",
    summary.requests, seconds, summary.requests / seconds, latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    sent_total, answered_total, errors.connect + errors.read + errors.write + errors.timeout, table.concat(parts, ",")))
end
