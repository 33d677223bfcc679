// Starting the forward-auth service on a free loopback port, and asking it as a proxy would.
import assert from 'node:assert/strict'
import { GatewayConfigError, parseConfig, startGateway, validateConfig, type RunningGateway } from 'jotjwt-gateway'
import { send, type RawResponse } from '../../../guard/test/helpers/http.js'

export { bearer, send } from '../../../guard/test/helpers/http.js'

export function start(config: Record<string, unknown>): Promise<RunningGateway> {
  return startGateway(validateConfig({ listen: { port: 0 }, ...config }))
}

/** A forward-auth subrequest as nginx sends it: the original method and URI in X-Original-* headers. */
export function ask(gateway: RunningGateway, method: string, uri: string, headers: Record<string, string | string[]> = {}): Promise<RawResponse> {
  return send(`${gateway.url}/auth`, { headers: { 'x-original-method': method, 'x-original-uri': uri, ...headers } })
}

/** The problems a configuration (YAML text, or a parsed object) is refused with; fails if it is accepted. */
export function problems(config: string | Record<string, unknown>): readonly string[] {
  try {
    if (typeof config === 'string') parseConfig(config)
    else validateConfig(config)
  } catch (error) {
    assert.ok(error instanceof GatewayConfigError)
    return error.problems
  }
  assert.fail('the configuration was accepted')
}
