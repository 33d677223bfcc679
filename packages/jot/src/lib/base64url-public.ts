/**
 * The public `base64url` namespace: strict `encode` and `decode` only. The codec's scratch-memory
 * helpers in lib/base64url.ts stay internal: what they return is a view the next call overwrites.
 * @module
 */
export { decode, encode } from './base64url.js'
