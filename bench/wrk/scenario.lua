-- wrk script for every quizapp benchmark scenario; bench/run.py writes the data file it reads.
-- Run one connection per thread (-t N -c N): each thread is one user with its own session.
--   mode "get":      GET the session's paths in turn, with its cookie
--   mode "post":     POST the session's body to its paths in turn, with its cookie and CSRF header
--   mode "flow":     a whole trainee flow per iteration: log in, module page, start, answer every
--                    question, submit, result; a new trainee each time; latency kept per step
--   mode "once":     POST each item's form once (its own cookie, address, path and body), the items dealt
--                    out to the threads in turn, never repeated; a success is the redirect to the item's
--                    `result` path, anything else counts as unexpected; a thread out of items stops and
--                    records when (the submit scenario: each attempt can be submitted once)
-- done() prints one line "WRKJSON {...}" that run.py reads.

local data = dofile(os.getenv("BENCH_DATA"))
local ffi = require("ffi")
ffi.cdef [[
  typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
  int clock_gettime(int clk_id, bench_timespec *tp);
]]
local ts = ffi.new("bench_timespec")
local function now_us()
  ffi.C.clock_gettime(1, ts) -- CLOCK_MONOTONIC
  return tonumber(ts.tv_sec) * 1e6 + tonumber(ts.tv_nsec) / 1e3
end

-- main state: hand each thread its number -------------------------------------------------------
local threads = {}
local counter = 0
function setup(thread)
  counter = counter + 1
  thread:set("tid", counter)
  table.insert(threads, thread)
end

-- thread state -----------------------------------------------------------------------------------
local s, k, ip, cookies
bad = 0          -- responses the scenario did not expect (read by done())
ran_out = 0      -- mode "once": this thread posted all its items and stopped ...
ran_out_us = 0   -- ... this long after it started
extra = 0        -- mode "once": requests that posted nothing (after the last item), left out of the count
local mine, started_us, item
flows = 0        -- completed trainee flows
steps = ""       -- flow steps as "name:microseconds;" (wrk copies strings between threads, not tables)
local step, sent_at

local function cookie_header()
  local parts = {}
  for name, value in pairs(cookies) do table.insert(parts, name .. "=" .. value) end
  return table.concat(parts, "; ")
end

local function keep_cookies(headers)
  for name, value in pairs(headers) do
    if name:lower() == "set-cookie" then
      -- wrk joins repeated headers; take every name=value pair that starts a cookie
      for pair in (value .. "\n"):gmatch("([^;\n]+)[^\n]*\n?") do
        local cname, cvalue = pair:match("^%s*([%w_%-]+)=(.*)$")
        if cname and cname ~= "Path" and cname ~= "Expires" and cname ~= "Max-Age" and cname ~= "SameSite" then
          if cvalue == "" then cookies[cname] = nil else cookies[cname] = cvalue end
        end
      end
    end
  end
end

local function header(headers, wanted)
  for name, value in pairs(headers) do
    if name:lower() == wanted then return value end
  end
end

local function urlencode(str)
  return (str:gsub("[^%w%-_%.~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end

local function form(fields)
  local parts = {}
  for _, f in ipairs(fields) do table.insert(parts, urlencode(f[1]) .. "=" .. urlencode(f[2])) end
  return table.concat(parts, "&")
end

local function csrf_of(body)
  return body and body:match('name="csrf_token"[^>]-value="([^"]+)"')
end

function init(args)
  s = data.sessions[((tid - 1) % #data.sessions) + 1]
  k = 0
  ip = s.ip
  cookies = {}
  for pair in (s.cookie or ""):gmatch("[^;]+") do
    local name, value = pair:match("^%s*([^=]+)=(.*)$")
    if name then cookies[name] = value end
  end
  if data.mode == "once" then
    mine = {}
    for i = tid, #data.items, data.threads do table.insert(mine, data.items[i]) end
    started_us = now_us()
  end
  if data.mode == "flow" then
    flow_user = data.flow.first + (tid - 1) * data.flow.stride
    flow_left = data.flow.stride
    flow_state = "login_form"
  end
end

local function headers_for(extra)
  local h = { ["User-Agent"] = data.user_agent, ["X-Forwarded-For"] = ip, ["Cookie"] = cookie_header() }
  for name, value in pairs(extra or {}) do h[name] = value end
  return h
end

-- trainee flow -----------------------------------------------------------------------------------
local flow = {}

local function answer_fields(body)
  local fields = {}
  local seen = {}
  for tag in body:gmatch('<input[^>]-name="answer"[^>]*>') do
    local kind = tag:match('type="(%w+)"')
    local value = tag:match('value="([^"]*)"')
    if kind == "radio" or kind == "checkbox" then
      if not seen.answer then table.insert(fields, { "answer", value }); seen.answer = true end
    elseif kind == "text" then
      table.insert(fields, { "answer", "1" })
    end
  end
  local n = 0
  for name, options in body:gmatch('<select[^>]-name="(answer%-[^"]+)"[^>]*>(.-)</select>') do
    n = n + 1
    local values = {}
    for v in options:gmatch('value="([^"]+)"') do table.insert(values, v) end
    table.insert(fields, { name, values[n] or values[1] or "" })
  end
  return fields
end

function flow.request()
  local st = flow_state
  if st == "login_form" then
    cookies = {}
    ip = string.format("127.%d.%d.%d", 100 + tid, math.floor(flow_left / 250) % 250, flow_left % 250 + 1)
    return "login_form", wrk.format("GET", "/auth/login", headers_for())
  elseif st == "login" then
    local body = form({ { "csrf_token", flow.csrf }, { "email", string.format(data.flow.email, flow_user) },
      { "password", data.flow.password } })
    return "login", wrk.format("POST", "/auth/login",
      headers_for({ ["Content-Type"] = "application/x-www-form-urlencoded" }), body)
  elseif st == "module" then
    return "module", wrk.format("GET", "/modules/" .. data.flow.slug, headers_for())
  elseif st == "start" then
    return "start", wrk.format("POST", "/modules/" .. data.flow.slug .. "/start",
      headers_for({ ["Content-Type"] = "application/x-www-form-urlencoded" }), form({ { "csrf_token", flow.csrf } }))
  elseif st == "question" then
    return "question", wrk.format("GET", flow.next, headers_for())
  elseif st == "answer" then
    local fields = answer_fields(flow.body)
    table.insert(fields, 1, { "csrf_token", flow.csrf })
    table.insert(fields, { "position", tostring(flow.n) })
    table.insert(fields, { "nav", "next" })
    return "answer", wrk.format("POST", flow.next,
      headers_for({ ["Content-Type"] = "application/x-www-form-urlencoded" }), form(fields))
  elseif st == "submit_page" then
    return "submit_page", wrk.format("GET", flow.next, headers_for())
  elseif st == "submit" then
    return "submit", wrk.format("POST", flow.next,
      headers_for({ ["Content-Type"] = "application/x-www-form-urlencoded" }), form({ { "csrf_token", flow.csrf } }))
  else -- result
    return "result", wrk.format("GET", flow.next, headers_for())
  end
end

local function restart(reason)
  bad = bad + 1
  flow_state = "login_form"
  flow_user = flow_user + 1
  flow_left = flow_left - 1
end

function flow.response(status, headers, body)
  local st = flow_state
  local location = header(headers, "location")
  if st == "login_form" then
    flow.csrf = csrf_of(body)
    if status ~= 200 or not flow.csrf then return restart("login form") end
    flow_state = "login"
  elseif st == "login" then
    if status ~= 302 then return restart("login") end
    flow_state = "module"
  elseif st == "module" then
    flow.csrf = csrf_of(body)
    if status ~= 200 or not flow.csrf then return restart("module") end
    flow_state = "start"
  elseif st == "start" then
    if status ~= 302 or not location or not location:match("/q/") then return restart("start") end
    flow.next = location:gsub("^https?://[^/]+", "")
    flow_state = "question"
  elseif st == "question" then
    flow.csrf = csrf_of(body)
    if status ~= 200 or not flow.csrf then return restart("question") end
    flow.body = body
    flow.n = tonumber(flow.next:match("/q/(%d+)$"))
    flow_state = "answer"
  elseif st == "answer" then
    if status ~= 302 or not location then return restart("answer") end
    flow.next = location:gsub("^https?://[^/]+", "")
    flow_state = flow.next:match("/submit$") and "submit_page" or "question"
  elseif st == "submit_page" then
    flow.csrf = csrf_of(body)
    if status ~= 200 or not flow.csrf then return restart("submit page") end
    flow_state = "submit"
  elseif st == "submit" then
    if status ~= 302 or not location or not location:match("/result$") then return restart("submit") end
    flow.next = location:gsub("^https?://[^/]+", "")
    flow_state = "result"
  else
    if status ~= 200 then return restart("result") end
    flows = flows + 1
    flow_user = flow_user + 1
    flow_left = flow_left - 1
    flow_state = "login_form"
  end
end

-- the wrk hooks ----------------------------------------------------------------------------------
function request()
  local req
  if data.mode == "flow" then
    step, req = flow.request()
    sent_at = now_us()
    return req
  end
  k = k + 1
  if data.mode == "once" then
    item = mine[k]
    if not item then -- no form left (the thread stops after its last response): nothing is posted twice
      if ran_out == 0 then
        ran_out, ran_out_us = 1, now_us() - started_us
        wrk.thread:stop()
      end
      return wrk.format("GET", "/healthz", { ["User-Agent"] = data.user_agent })
    end
    ip = item.ip
    return wrk.format("POST", item.path, { ["User-Agent"] = data.user_agent, ["X-Forwarded-For"] = item.ip,
      ["Cookie"] = item.cookie, ["Content-Type"] = "application/x-www-form-urlencoded" }, item.body)
  end
  local path = s.paths[((k - 1) % #s.paths) + 1]
  if data.random_ip then
    ip = string.format("127.%d.%d.%d", math.random(1, 250), math.random(0, 255), math.random(1, 254))
  end
  if data.mode == "post" then
    return wrk.format("POST", path, headers_for({ ["Content-Type"] = "application/x-www-form-urlencoded",
      ["X-CSRFToken"] = s.csrf }), s.body)
  end
  return wrk.format("GET", path, headers_for())
end

function response(status, headers, body)
  if data.mode == "flow" then
    local took = now_us() - sent_at
    steps = steps .. step .. ":" .. string.format("%.0f", took) .. ";"
    keep_cookies(headers)
    return flow.response(status, headers, body)
  end
  if data.mode == "once" then
    if not item then
      extra = extra + 1
      return
    end
    local location = header(headers, "location") or ""
    if status ~= data.expect or location:gsub("^https?://[^/]+", "") ~= item.result then
      bad = bad + 1
    end
    if k >= #mine and ran_out == 0 then
      ran_out, ran_out_us = 1, now_us() - started_us
      wrk.thread:stop()
    end
    return
  end
  if status ~= data.expect then bad = bad + 1 end
end

-- the report -------------------------------------------------------------------------------------
local function encode(v)
  local t = type(v)
  if t == "table" then
    local parts = {}
    if #v > 0 then
      for _, x in ipairs(v) do table.insert(parts, encode(x)) end
      return "[" .. table.concat(parts, ",") .. "]"
    end
    for key, x in pairs(v) do table.insert(parts, string.format("%q:%s", tostring(key), encode(x))) end
    return "{" .. table.concat(parts, ",") .. "}"
  elseif t == "number" then
    return string.format("%.3f", v)
  elseif t == "string" then
    return string.format("%q", v)
  end
  return tostring(v)
end

function done(summary, latency, requests)
  local e = summary.errors
  local out = {
    requests = summary.requests,
    duration_us = summary.duration,
    bytes = summary.bytes,
    socket_errors = e.connect + e.read + e.write + e.timeout,
    status_errors = e.status,
    latency_us = { p50 = latency:percentile(50), p95 = latency:percentile(95), p99 = latency:percentile(99),
      mean = latency.mean, max = latency.max },
    unexpected = 0,
    ran_out = 0,
    first_out_us = 0,
    extra = 0,
    flows = 0,
    steps = {},
  }
  for _, thread in ipairs(threads) do
    out.unexpected = out.unexpected + (thread:get("bad") or 0)
    out.flows = out.flows + (thread:get("flows") or 0)
    out.extra = out.extra + (thread:get("extra") or 0)
    if (thread:get("ran_out") or 0) > 0 then
      local at = thread:get("ran_out_us")
      if out.ran_out == 0 or at < out.first_out_us then out.first_out_us = at end
      out.ran_out = out.ran_out + 1
    end
    for name, took in (thread:get("steps") or ""):gmatch("([%w_]+):([%d%.]+);") do
      out.steps[name] = out.steps[name] or {}
      table.insert(out.steps[name], tonumber(took))
    end
  end
  io.write("WRKJSON " .. encode(out) .. "\n")
end
