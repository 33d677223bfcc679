/** What every OAuth JSON response carries. @module */

/** RFC 6749 §5.1: token responses, and everything else that may carry a token or its metadata, must not be cached. */
export const NO_STORE = Object.freeze({ 'Cache-Control': 'no-store', Pragma: 'no-cache' })
