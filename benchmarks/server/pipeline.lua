-- wrk script: each write carries DEPTH requests (default 16), sent again once all are answered.
--   wrk -s pipeline.lua URL -- [DEPTH]
local depth = 16

function init(args)
  if args[1] then depth = tonumber(args[1]) end
  local batch = {}
  for i = 1, depth do batch[i] = wrk.format() end
  req = table.concat(batch)
end

function request()
  return req
end
