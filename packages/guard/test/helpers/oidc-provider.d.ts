// node-oidc-provider ships no type declarations; the interop test uses this much of it.
declare module 'oidc-provider' {
  import type { IncomingMessage, ServerResponse } from 'node:http'
  export default class Provider {
    constructor(issuer: string, configuration: Record<string, unknown>)
    readonly issuer: string
    callback(): (request: IncomingMessage, response: ServerResponse) => void
  }
}
