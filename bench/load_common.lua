-- Shared by bench/load.py's wrk scripts (loaded with dofile): counts answers by status in each
-- wrk thread and, when the run ends, prints one line that bench/load.py reads:
--   PARLEY_RESULT {"requests": ..., "seconds": ..., "p50_ms": ..., "p99_ms": ..., ...}
-- A scenario script may define `request` and set `posts` (requests it sent as POST).

local threads = {}

function setup(thread)
  thread:set("thread_number", #threads + 1)
  table.insert(threads, thread)
end

statuses = {}
samples = {}  -- the first body of each status that is not 2xx, to say why
posts = 0

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
  if status >= 300 and samples[status] == nil then
    samples[status] = string.sub(body, 1, 300)
  end
end

local function json_object(t)
  local parts = {}
  for k, v in pairs(t) do
    table.insert(parts, string.format('"%s": %d', tostring(k), v))
  end
  return "{" .. table.concat(parts, ", ") .. "}"
end

function done(summary, latency, requests)
  local total, sent_posts, shown = {}, 0, {}
  for _, thread in ipairs(threads) do
    for status, body in pairs(thread:get("samples")) do
      if not shown[status] then
        shown[status] = true
        io.write(string.format("PARLEY_SAMPLE %d %s\n", status, (body:gsub("\n", " "))))
      end
    end
    for status, count in pairs(thread:get("statuses")) do
      total[status] = (total[status] or 0) + count
    end
    sent_posts = sent_posts + (thread:get("posts") or 0)
  end
  local e = summary.errors
  io.write(string.format(
    'PARLEY_RESULT {"requests": %d, "seconds": %.3f, "p50_ms": %.3f, "p99_ms": %.3f, '
      .. '"max_ms": %.3f, "posts": %d, "socket_errors": %d, "timeouts": %d, "statuses": %s}\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000, sent_posts,
    e.connect + e.read + e.write, e.timeout, json_object(total)))
end
