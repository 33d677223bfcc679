/**
 * jotjwt-debugger: a JWT debugger page you serve yourself. Tokens and keys stay in the browser.
 * @module
 */
export { createDebuggerServer, PUBLIC_DIR, type DebuggerServer, type DebuggerServerOptions } from './server.js'
export { CONTENT_SECURITY_POLICY, SECURITY_HEADERS } from './headers.js'
