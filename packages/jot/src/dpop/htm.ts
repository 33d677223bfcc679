/** The `htm` claim of a DPoP proof (RFC 9449 §4.2): the request's HTTP method. @module */
import { InvalidArgument } from '../errors.js'

/** RFC 9110 §5.6.2 `token`: the syntax of an HTTP method (§9.1). */
const METHOD = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/

/**
 * The method, if it is an HTTP method token. It is kept exactly as given, never upper-cased: methods
 * are case-sensitive (RFC 9110 §9.1), and `htm` must be the method of the request (RFC 9449 §4.3).
 */
export function checkMethod(method: unknown): string {
  if (typeof method !== 'string' || !METHOD.test(method)) throw new InvalidArgument('method must be an HTTP method token, e.g. "GET"')
  return method
}
