-- sendroute load benchmark (bench/load_bench.py): one wrk script for reads, writes and mixes.
--
-- wrk -s bench/lua/load.lua URL -- SPEC_FILE WRITE_PERCENT
--
-- SPEC_FILE has one request per line, tab-separated: kind, path, cookie header, CSRF token.
-- kind "read" is a GET; kind "write" is an "add a note" POST with a fresh form key (a random
-- UUID) each time, so every POST is a new note. Requests go round the lines of their kind; a
-- request is a write with probability WRITE_PERCENT/100. At the end one line is printed:
-- RESULT {json} with the latency percentiles (ms), the responses counted by status, and "acks":
-- the notes acknowledged (a redirect to the new entry on the case page).

local threads = {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("id", counter)
  table.insert(threads, thread)
end

local reads, writes = {}, {}
local write_percent = 0
local r_i, w_i = 0, 0
statuses = {}  -- globals, so that done() can read each thread's counts
acks = 0  -- redirects to the note just saved (a 302 elsewhere, such as to sign in, is not one)

local function split(line)
  local out = {}
  for field in string.gmatch(line .. "\t", "([^\t]*)\t") do
    table.insert(out, field)
  end
  return out
end

function init(args)
  local f = assert(io.open(args[1], "r"))
  for line in f:lines() do
    local p = split(line)
    if p[1] == "read" then
      table.insert(reads, p)
    elseif p[1] == "write" then
      table.insert(writes, p)
    end
  end
  f:close()
  write_percent = tonumber(args[2] or "0")
  math.randomseed(os.time() * 1000 + id)
  -- Start each thread at a different line so that threads do not walk in step.
  r_i = (id - 1) % math.max(#reads, 1)
  w_i = (id - 1) % math.max(#writes, 1)
  statuses = {}
  acks = 0
end

local function uuid4()
  local t = "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx"
  return (string.gsub(t, "[xy]", function(c)
    local v = (c == "x") and math.random(0, 15) or math.random(8, 11)
    return string.format("%x", v)
  end))
end

local function note_body(csrf)
  return "csrfmiddlewaretoken=" .. csrf
    .. "&form_key=" .. uuid4()
    .. "&kind=note&concern="
    .. "&title=Call+with+the+school+office"
    .. "&people=Office+manager"
    .. "&body=Asked+when+the+review+meeting+will+be.+They+will+reply+by+email."
    .. "&actions="
    .. "&date-day=2&date-month=11&date-year=2026"
end

function request()
  local is_write = #writes > 0 and (#reads == 0 or math.random() * 100 < write_percent)
  if is_write then
    w_i = w_i % #writes + 1
    local p = writes[w_i]
    return wrk.format("POST", p[2], {
      ["Cookie"] = p[3],
      ["Content-Type"] = "application/x-www-form-urlencoded",
      ["Referer"] = "http://" .. wrk.host .. ":" .. wrk.port .. p[2],
    }, note_body(p[4]))
  end
  r_i = r_i % #reads + 1
  local p = reads[r_i]
  return wrk.format("GET", p[2], { ["Cookie"] = p[3] })
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
  if status == 302 then
    local location = headers["Location"] or headers["location"] or ""
    if string.find(location, "#entry-", 1, true) then
      acks = acks + 1
    end
  end
end

function done(summary, latency, requests)
  local counts = {}
  local acked = 0
  for _, thread in ipairs(threads) do
    acked = acked + thread:get("acks")
    local s = thread:get("statuses")
    for code, n in pairs(s) do
      counts[code] = (counts[code] or 0) + n
    end
  end
  local parts = {}
  for code, n in pairs(counts) do
    table.insert(parts, string.format('"%d": %d', code, n))
  end
  local e = summary.errors
  io.write(string.format(
    'RESULT {"requests": %d, "duration_us": %d, "p50": %.3f, "p95": %.3f, "p99": %.3f, '
      .. '"max": %.3f, "mean": %.3f, "socket_errors": %d, "timeouts": %d, "acks": %d, "statuses": {%s}}\n',
    summary.requests, summary.duration,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, latency.mean / 1000,
    e.connect + e.read + e.write, e.timeout, acked, table.concat(parts, ", ")))
end
