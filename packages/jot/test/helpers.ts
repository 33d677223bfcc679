// Assertions shared by the test files.
import assert from 'node:assert/strict'
import { isJotError, JotError, type AnyJotError, type JotErrorCode } from 'jotjwt'

/** Asserts that `promise` rejects with a JotError carrying exactly `code`; `more` checks further. */
export async function rejectsWith(
  promise: Promise<unknown> | (() => Promise<unknown>),
  code: JotErrorCode,
  more?: (error: AnyJotError) => void,
): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(isJotError(error), `expected a JotError, got ${String(error)}`)
    assert.ok(error instanceof JotError)
    assert.equal(error.code, code, `${error.name}: ${error.message}`)
    more?.(error)
    return true
  })
}

/** Asserts that `promise` rejects with a JotError carrying `code` and this `reason` (DPoP and claim errors). */
export function rejectsWithReason(promise: Promise<unknown> | (() => Promise<unknown>), code: JotErrorCode, reason: string): Promise<void> {
  return rejectsWith(promise, code, (error) => assert.equal((error as { reason?: unknown }).reason, reason, error.message))
}
