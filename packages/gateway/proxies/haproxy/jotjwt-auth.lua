-- jotjwt forward-auth for HAProxy (2.6 or later: core.httpclient): the auth subrequest nginx's
-- auth_request makes, as a Lua action.
--
--   global
--     lua-load /path/to/jotjwt-auth.lua
--   frontend api
--     http-request del-header x-sub     # every spelling of every claim header, first (see below)
--     http-request lua.jotjwt-auth http://127.0.0.1:9091/auth x-sub,x-org-id,x-jwt-payload
--
-- For each request it asks the forward-auth endpoint with the client's headers (Authorization, DPoP,
-- Cookie, ...) and the original method, URI and host in X-Original-Method / X-Original-URI /
-- X-Forwarded-Host (the gateway believes those only from its trustedProxies). On a 2xx answer the
-- listed claim headers are set on the request from the answer (removed when the answer has none or
-- an empty one); on any other answer the client gets that status with the answer's
-- WWW-Authenticate (and DPoP-Nonce, Retry-After), and the request goes no further. If the endpoint
-- cannot be reached the client gets a 500, as from nginx: never the upstream unauthenticated.
--
-- The action sets every listed header from the answer, which replaces a client's copy of that exact
-- name (any case). Spellings with "_" are other names: the configuration removes them with
-- del-header before this action runs (jotjwt-gateway's haproxySections() writes those lines).

-- Hop-by-hop fields (RFC 9110 §7.6.1) and what describes the client's body are the proxy's to send,
-- not the client's: the subrequest is a GET without a body.
local skipped = {
  ["connection"] = true, ["keep-alive"] = true, ["proxy-connection"] = true, ["te"] = true,
  ["transfer-encoding"] = true, ["upgrade"] = true, ["content-length"] = true, ["host"] = true,
  ["x-original-method"] = true, ["x-original-uri"] = true, ["x-forwarded-host"] = true,
  ["x-forwarded-method"] = true, ["x-forwarded-uri"] = true,
}

-- Answer headers a refusal passes to the client.
local refusal_headers = { "www-authenticate", "dpop-nonce", "retry-after", "content-type" }

local function split(list)
  local names = {}
  for name in string.gmatch(list or "", "[^,%s]+") do names[#names + 1] = string.lower(name) end
  return names
end

-- HAProxy hands header values as tables indexed from 0; httpclient takes arrays indexed from 1.
local function values(found)
  local list = {}
  local i = 0
  while found[i] ~= nil do
    list[#list + 1] = found[i]
    i = i + 1
  end
  return list
end

local function first(headers, name)
  local found = headers and headers[name]
  if found == nil then return nil end
  return found[0] or found[1]
end

local function deny(txn, status, answer)
  local reply = txn:reply()
  reply:set_status(status)
  if answer ~= nil then
    for _, name in ipairs(refusal_headers) do
      local value = first(answer.headers, name)
      if value ~= nil then reply:add_header(name, value) end
    end
    if answer.body ~= nil then reply:set_body(answer.body) end
  end
  txn:done(reply)
end

core.register_action("jotjwt-auth", { "http-req" }, function(txn, endpoint, header_list)
  local request_headers = {}
  for name, found in pairs(txn.http:req_get_headers()) do
    if not skipped[name] then request_headers[name] = values(found) end
  end
  request_headers["x-original-method"] = { txn.sf:method() }
  request_headers["x-original-uri"] = { txn.sf:url() }
  local host = txn.sf:req_hdr("host")
  if host ~= nil then request_headers["x-forwarded-host"] = { host } end

  local ok, answer = pcall(function()
    return core.httpclient():get({ url = endpoint, headers = request_headers, timeout = 5000 })
  end)
  if not ok or answer == nil or answer.status == nil or answer.status == 0 then
    core.Warning("jotjwt-auth: the forward-auth endpoint did not answer")
    return deny(txn, 500, nil)
  end
  if answer.status < 200 or answer.status > 299 then return deny(txn, answer.status, answer) end

  for _, name in ipairs(split(header_list)) do
    local value = first(answer.headers, name)
    if value ~= nil and value ~= "" then
      txn.http:req_set_header(name, value)
    else
      txn.http:req_del_header(name)
    end
  end
end, 2)
