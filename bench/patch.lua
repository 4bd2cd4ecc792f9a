-- PATCH with If-Match under wrk: each thread drives one connection (wrk -t equals -c) that edits a
-- company of its own, so writers never race for a record and almost every PATCH succeeds.
-- The connection GETs its company for the ETag, then PATCHes it with If-Match and keeps the new ETag
-- from each answer; after a failure it GETs the record again. The ids come from BENCH_COMPANY_IDS
-- (comma separated, one per thread); BENCH_AUTHORIZATION, when set, is sent as the Authorization header.

local ids = {}
for id in string.gmatch(os.getenv("BENCH_COMPANY_IDS") or "", "[^,]+") do
  ids[#ids + 1] = id
end
local authorization = os.getenv("BENCH_AUTHORIZATION")
local threads = {}

function setup(thread)
  local n = #threads + 1
  if ids[n] == nil then
    error("BENCH_COMPANY_IDS names fewer companies than wrk has threads")
  end
  thread:set("company", ids[n])
  threads[n] = thread
end

-- From here on each thread's own state; the counters are globals so that done() can read them.
gets, patches, failed_gets, failed_patches = 0, 0, 0, 0
local etag = nil
local sent = nil
local edits = 0

local function headers(extra)
  if authorization then
    extra["Authorization"] = authorization
  end
  return extra
end

function request()
  local path = "/api/v1/companies/" .. company
  if etag == nil then
    sent = "GET"
    return wrk.format("GET", path, headers({}))
  end
  sent = "PATCH"
  edits = edits + 1
  local body = string.format('{"description": {"en": "Edited by the benchmark, edit %d."}}', edits)
  return wrk.format("PATCH", path, headers({
    ["Content-Type"] = "application/merge-patch+json",
    ["If-Match"] = etag,
  }), body)
end

function response(status, answer_headers, body)
  local ok = status >= 200 and status < 300
  if sent == "GET" then
    gets = gets + 1
    if not ok then failed_gets = failed_gets + 1 end
  else
    patches = patches + 1
    if not ok then failed_patches = failed_patches + 1 end
  end
  etag = ok and (answer_headers["ETag"] or answer_headers["etag"]) or nil
end

function done(summary, latency, requests)
  local totals = { gets = 0, patches = 0, failed_gets = 0, failed_patches = 0 }
  for _, thread in ipairs(threads) do
    for name in pairs(totals) do
      totals[name] = totals[name] + thread:get(name)
    end
  end
  io.write(string.format("PATCH scenario: gets %d, patches %d, failed_gets %d, failed_patches %d\n",
    totals.gets, totals.patches, totals.failed_gets, totals.failed_patches))
end
