-- soak.lua: mixed reads for the soak test. Of every 10 requests, 8 are POST /search with a query vector (the bodies
-- file of bench_client.py bodies), 1 a POST /search by item id, 1 a GET of the dataset's status. Every answer of 500 or
-- more is remembered with its second, so the report can tell a failover window from errors outside it.
-- usage: wrk -t2 -c64 -d600s -s wrk/soak.lua http://127.0.0.1:PORT -- BODIES_FILE DATASET
local counter = 0
local threads = {}
function setup(thread)
  thread:set("tid", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

local bodies, n, i, dataset = {}, 0, 0, "soak"
failures = ""
function init(args)
  dataset = args[2] or dataset
  local hdr = { ["Content-Type"] = "application/json" }
  for line in io.lines(args[1]) do
    if #line > 0 then
      n = n + 1
      bodies[n] = wrk.format("POST", "/search", hdr, line)
    end
  end
  i = ((tid or 0) * 97) % n
end

function request()
  i = i + 1
  local pick = i % 10
  if pick == 8 then
    return wrk.format("POST", "/search", { ["Content-Type"] = "application/json" },
      string.format('{"dataset":"%s","item_id":"%d","k":10}', dataset, (i * 7919) % 100000))
  elseif pick == 9 then
    return wrk.format("GET", "/datasets/" .. dataset)
  end
  return bodies[i % n + 1]
end

function response(status, headers, body)
  if status >= 500 then
    failures = failures .. os.time() .. ":" .. status .. ","
  end
end

function done(summary, latency, requests)
  local all = ""
  for _, thread in ipairs(threads) do
    all = all .. (thread:get("failures") or "")
  end
  io.write(string.format('SOAKJSON {"requests":%d,"rps":%.1f,"p50_ms":%.2f,"p99_ms":%.2f,"errors":%d,"failures":"%s"}\n',
    summary.requests, summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout, all))
end
