-- text_search.lua: GET /search?query=<text>&dataset=<DATASET>&k=10 with 1,000 distinct texts, cycled: the
-- original's text search with the embedding in the loop (each text is embedded by the silo's CLIP).
-- usage: DATASET=texts wrk -t2 -c8 -d20s --latency -s VisionSearch.Bench/wrk/text_search.lua http://127.0.0.1:5080
-- prints report.lua's WRKJSON line, so the comparison's tools read the result.
package.path = (debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "?.lua;" .. package.path
local report = require("report")

local counter = 0
function setup(thread)
  thread:set("tid", counter)
  counter = counter + 1
end

local words = { "a photo of", "a drawing of", "a close-up of", "a blurry picture of", "two", "a small", "a red", "an old" }
local things = { "dog", "cat", "mountain", "city street", "bowl of soup", "bicycle", "beach at sunset", "child reading", "forest", "train" }
local reqs, n, i = {}, 1000, 0
function init(args)
  local dataset = os.getenv("DATASET") or "texts"
  for q = 0, n - 1 do
    local text = words[q % #words + 1] .. " " .. things[math.floor(q / #words) % #things + 1] .. " " .. q
    reqs[q + 1] = wrk.format("GET", "/search?dataset=" .. dataset .. "&k=10&query=" .. text:gsub(" ", "%%20"))
  end
  i = ((tid or 0) * 389) % n
end

function request()
  i = i % n + 1
  return reqs[i]
end

done = report.done
