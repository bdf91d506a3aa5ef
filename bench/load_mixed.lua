-- The mixed load: anonymous readers of the page in wrk's URL, and among them readers posting a
-- comment to the same article (the share given by the third argument, e.g. 0.05), each post by
-- the next reader's token (file named by the first argument) to the path in the second; the
-- fourth seeds the words.
-- Every post's text differs: the policy's history rules refuse a reader repeating themselves.
dofile(os.getenv("PARLEY_BENCH_DIR") .. "/load_common.lua")

local tokens = {}
local next_token = 1
local post_path = nil
local post_share = 0.05
local sent = 0
local words = {
  "the", "minister", "said", "verification", "teams", "would", "rotate", "every", "six",
  "months", "while", "funding", "remains", "unclear", "until", "annex", "is", "published",
  "and", "parliament", "may", "still", "have", "a", "say", "if", "treaty", "changes",
  "budget", "council", "harbour", "railway", "school", "hospital", "tax", "winter", "river",
  "bridge", "museum", "library", "mayor", "election", "survey", "report", "judge", "court",
  "price", "energy", "wind", "solar", "farm", "water", "road", "tram", "bus", "cycle", "lane",
  "park", "housing", "rent", "market", "festival", "stadium", "club", "season", "coach",
  "garden", "forest", "coast", "storm", "flood", "drought", "heat", "census", "pension",
  "nurse", "teacher", "student", "exam", "lesson", "village", "town", "city", "county",
  "border", "customs", "port", "airport", "flight", "train", "ticket", "fare", "subsidy",
  "grant", "loan", "bank", "interest", "inflation", "wage", "strike", "union", "contract",
  "plan", "vote", "petition", "debate", "minutes", "agenda", "deadline", "delay", "cost",
  "clearly", "perhaps", "honestly", "frankly", "oddly", "surely", "rarely", "often", "never",
}
function init(args)
  for line in io.lines(args[1]) do
    table.insert(tokens, line)
  end
  post_path = args[2]
  post_share = tonumber(args[3])
  next_token = (thread_number or 1) * 7919 % #tokens + 1
  -- A new seed for every wrk run (fourth argument): the same sentences again would be refused
  -- as repeats of the previous run's.
  math.randomseed(tonumber(args[4]) * 1000 + (thread_number or 1))
end

local function sentence()
  local picked = {}
  for i = 1, 14 do
    picked[i] = words[math.random(#words)]
  end
  sent = sent + 1
  -- No fixed words around them: the policy's repetition rule compares a reader's word pairs.
  return table.concat(picked, " ") .. "."
end

function request()
  if math.random() < post_share then
    posts = posts + 1
    local token = tokens[next_token]
    next_token = next_token % #tokens + 1
    return wrk.format("POST", post_path, {
      ["Authorization"] = "Token " .. token,
      ["Content-Type"] = "application/json",
    }, '{"body": "' .. sentence() .. '"}')
  end
  return wrk.format("GET", wrk.path)
end
