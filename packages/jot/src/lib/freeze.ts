/** Deep freezing for values that are shared between callers (cached headers and results). @module */

/** Freezes `value` and everything reachable from it; iterative, so deep nesting cannot overflow. */
export function deepFreeze<T>(value: T): T {
  const pending: unknown[] = [value]
  while (pending.length > 0) {
    const next = pending.pop()
    if (typeof next === 'object' && next !== null && !Object.isFrozen(next)) {
      Object.freeze(next)
      for (const member of Object.values(next)) pending.push(member)
    }
  }
  return value
}
