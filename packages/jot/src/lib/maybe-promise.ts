/**
 * Values that are ready now or later. On node:crypto every primitive answers synchronously, and a
 * local key needs no lookup: a verify or sign call can then run start to finish in the caller's
 * turn, without one microtask hop per layer of `async` functions. Code on those paths passes
 * `MaybePromise`s along with {@link then}, and each public entry point turns the outcome into one
 * promise with {@link settle}.
 * @module
 */

export type MaybePromise<T> = T | Promise<T>

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | null)?.then === 'function'
}

/** `next(value)` now if `value` is ready, else once it resolves. */
export function then<T, U>(value: T | PromiseLike<T>, next: (value: T) => MaybePromise<U>): MaybePromise<U> {
  return isPromiseLike(value) ? Promise.resolve(value).then(next) : next(value)
}

/**
 * Runs `run(arg)` and returns a promise of its outcome; a synchronous throw becomes a rejection, so
 * callers of a public async function never see it throw. (The argument is passed, not captured, so
 * a hot caller need not allocate a closure per call.)
 */
export function settle<A, T>(run: (arg: A) => MaybePromise<T>, arg: A): Promise<T> {
  try {
    return Promise.resolve(run(arg))
  } catch (error) {
    return Promise.reject(error)
  }
}
