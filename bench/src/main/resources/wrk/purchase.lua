-- POST {"quantity":1} with a buyer's token. FLASHSALE_WRK_TOKENS names a file of tokens, one per line;
-- FLASHSALE_WRK_IDENTITY is PER_REQUEST (the next buyer on every request) or PER_CONNECTION (each thread,
-- and so each of its connections, keeps one buyer).
local tokens = {}
for line in io.lines(os.getenv("FLASHSALE_WRK_TOKENS")) do
  tokens[#tokens + 1] = line
end
local perRequest = os.getenv("FLASHSALE_WRK_IDENTITY") == "PER_REQUEST"
local threadCount = 0

function setup(thread)
  threadCount = threadCount + 1
  thread:set("buyer", threadCount)
end

local i = 0
local body = '{"quantity":1}'

function init(args)
  i = buyer or 1
end

function request()
  if perRequest then
    i = i % #tokens + 1
  end
  return wrk.format("POST", nil, {
    ["Authorization"] = "Bearer " .. tokens[i],
    ["Content-Type"] = "application/json"
  }, body)
end

-- wrk's --latency table stops at 99 %; the 99.9th is printed here, in microseconds.
function done(summary, latency, requests)
  io.write(string.format("p999_us %d\n", latency:percentile(99.9)))
end
