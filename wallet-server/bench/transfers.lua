-- Transfers with a fresh transaction id each, between random accounts a0..a(N-1): one per request
-- to POST /v1/wallet/balance_transfer, or <size> per request to POST /v1/wallet/balance_transfers.
-- wrk -s transfers.lua <url> -- <accounts> <run> <size> [token]
local counter = 0
local thread_id = 0
local accounts = 1000
local run = 0
local size = 1
local next_thread = 0

function setup(thread)
  next_thread = next_thread + 1
  thread:set("thread_id", next_thread)
end

function init(args)
  accounts = tonumber(args[1] or "1000")
  run = tonumber(args[2] or "0")
  size = tonumber(args[3] or "1")
  math.randomseed(thread_id * 7919 + run)
  wrk.method = "POST"
  wrk.path = size == 1 and "/v1/wallet/balance_transfer" or "/v1/wallet/balance_transfers"
  wrk.headers["Content-Type"] = "application/json"
  if args[4] ~= nil and args[4] ~= "" then
    wrk.headers["Authorization"] = "Bearer " .. args[4]
  end
end

local function transfer()
  counter = counter + 1
  local from = math.random(0, accounts - 1)
  local to = (from + math.random(1, accounts - 1)) % accounts
  return string.format('{"from_account":"a%d","to_account":"a%d","amount":"0.01","currency":"USD","transaction_id":"%08x-%04x-4000-8000-%012x"}',
    from, to, run % 4294967296, thread_id, counter)
end

function request()
  if size == 1 then
    return wrk.format(nil, nil, nil, transfer())
  end
  local items = {}
  for i = 1, size do
    items[i] = transfer()
  end
  return wrk.format(nil, nil, nil, "[" .. table.concat(items, ",") .. "]")
end

local failures = 0
function response(status, headers, body)
  if status ~= 200 then
    failures = failures + 1
    if failures <= 3 then
      io.stderr:write("HTTP " .. status .. " " .. string.sub(body, 1, 300) .. "\n")
    end
  end
end
