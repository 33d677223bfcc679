/**
 * SHA-256 of a token, as cache key material. node:crypto answers synchronously (Node, Deno and Bun
 * have it; `process.getBuiltinModule` finds it without an import an edge bundler would choke on);
 * elsewhere WebCrypto answers asynchronously. The synchronous path matters: measured on this 2-core
 * machine under load, WebCrypto's digest of a 900-byte token took 80–115 µs (it hops through a
 * thread pool), node:crypto's 10–13 µs.
 * @module
 */
import { base64url } from 'jotjwt'

/** The part of node:crypto used here (the core imports no Node module, not even its types). */
interface NodeHashing {
  createHash(algorithm: 'sha256'): { update(text: string): { digest(encoding: 'base64url'): string } }
}

const nodeCrypto = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process?.getBuiltinModule?.('node:crypto') as
  | NodeHashing
  | undefined

const encoder = new TextEncoder()

/** BASE64URL(SHA-256(text)). */
export function sha256(text: string): string | Promise<string> {
  if (nodeCrypto !== undefined) return nodeCrypto.createHash('sha256').update(text).digest('base64url')
  return crypto.subtle.digest('SHA-256', encoder.encode(text)).then((digest) => base64url.encode(new Uint8Array(digest)))
}
