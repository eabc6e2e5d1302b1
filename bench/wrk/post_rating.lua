-- wrk script for bench/submit.py: every request POSTs a new rating (a fresh UUID) until a
-- deadline, then only GET /healthz, so no rating is still in flight when wrk stops and the
-- ratings stored can be matched one for one with the 201s counted here.
--
-- Latency is timed here rather than by wrk, per rating (the response echoes the id), so
-- the /healthz tail never mixes into the percentiles.
--
-- BENCH_WRK_OUTPUT=result.json wrk -s post_rating.lua URL -- TOKEN STOP_MONOTONIC_US

local ffi = require("ffi")
ffi.cdef [[
typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
int clock_gettime(int clk_id, bench_timespec *tp);
]]
local CLOCK_MONOTONIC = 1
local timespec = ffi.new("bench_timespec")

local function now_us()
  ffi.C.clock_gettime(CLOCK_MONOTONIC, timespec)
  return tonumber(timespec.tv_sec) * 1000000 + math.floor(tonumber(timespec.tv_nsec) / 1000)
end

-- main state: number the threads and keep them for done()
local threads = {}
local next_id = 0

function setup(thread)
  next_id = next_id + 1
  thread:set("tid", next_id)
  table.insert(threads, thread)
end

-- thread state
local token, stop_us, prefix
local headers = { ["Content-Type"] = "application/json" }
local answers = '"answers":{"U1":4,"U2":3,"U3":3,"U4":4,"U5":2,"U6":3,"U7":4,"U8":3,"U9":4}'
local drain
seq = 0
posts = 0
pending = 0
first_us = 0
last_us = 0
latencies = {}
statuses = {}
others = {}
sent = {}

function init(args)
  token = args[1]
  stop_us = tonumber(args[2])
  math.randomseed(now_us() + tid * 7919)
  -- 60 random bits per thread and run: ids never repeat across threads, runs or rounds
  prefix = string.format("%08x-%04x-4%03x-%x%03x-%02x",
    math.random(0, 0xffffffff), math.random(0, 0xffff), math.random(0, 0xfff),
    8 + math.random(0, 3), math.random(0, 0xfff), tid % 256)
  drain = wrk.format("GET", "/healthz")
end

local verified = false

function request()
  -- wrk calls request() once in the first thread's state to check the script, and never
  -- sends what it returns: that call must not count as a rating sent.
  if tid == 1 and not verified then
    verified = true
    return drain
  end
  local t = now_us()
  if t >= stop_us then
    return drain
  end
  seq = seq + 1
  local id = string.format("%s%010x", prefix, seq)
  sent[id] = t
  posts = posts + 1
  pending = pending + 1
  if first_us == 0 then first_us = t end
  local body = '{"id":"' .. id .. '","token":"' .. token .. '",' .. answers .. '}'
  return wrk.format("POST", "/api/v1/ratings", headers, body)
end

function response(status, _headers, body)
  local t = now_us()
  local id = body and string.match(body, '"id"%s*:%s*"([0-9a-f%-]+)"')
  local started = id and sent[id]
  if started then
    sent[id] = nil
    pending = pending - 1
    latencies[#latencies + 1] = t - started
    statuses[status] = (statuses[status] or 0) + 1
    if t > last_us then last_us = t end
  else
    others[status] = (others[status] or 0) + 1
  end
end

local function encode_counts(counts)
  local parts = {}
  for status, n in pairs(counts) do
    parts[#parts + 1] = string.format('"%d":%d', status, n)
  end
  return "{" .. table.concat(parts, ",") .. "}"
end

function done(summary, _latency, _requests)
  local out = assert(io.open(os.getenv("BENCH_WRK_OUTPUT"), "w"))
  local parts = {}
  for _, thread in ipairs(threads) do
    local lat = thread:get("latencies")
    parts[#parts + 1] = string.format(
      '{"posts":%d,"pending":%d,"first_us":%d,"last_us":%d,"statuses":%s,"others":%s,' ..
      '"latencies_us":[%s]}',
      thread:get("posts"), thread:get("pending"), thread:get("first_us"),
      thread:get("last_us"), encode_counts(thread:get("statuses")),
      encode_counts(thread:get("others")), table.concat(lat, ","))
  end
  local e = summary.errors
  out:write(string.format(
    '{"requests":%d,"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"threads":[%s]}', summary.requests, e.connect, e.read, e.write, e.status, e.timeout,
    table.concat(parts, ",")))
  out:close()
end
