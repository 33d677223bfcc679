/**
 * Login sessions: the browser holds a random session id in the session cookie (`cookies.ts`), the
 * store holds its hash, the subject and when the person logged in. A login always starts a new
 * session under a new id and deletes the one the browser came with, so an id planted in the
 * browser before the login (session fixation, OWASP) never becomes a logged-in session.
 * @module
 */
import { durationSeconds } from '../config/duration.js'
import { hashToken, randomToken } from '../crypto/token-hash.js'
import type { ServiceContext } from '../service/context.js'
import type { SessionRecord } from '../store/store.js'
import { cookieNames, setCookie } from './cookies.js'
import type { LoginUser } from './provider.js'

/** What `randomToken` makes; any other cookie value is no session of ours and is not looked up. */
const SESSION_ID = /^[A-Za-z0-9_-]{43}$/

/**
 * The browser's live session and its person, or undefined (no cookie, unknown, expired, or the
 * person is gone).
 *
 * @example
 * ```ts
 * const current = await currentSession(ctx, request.cookies)
 * ```
 */
export async function currentSession(ctx: ServiceContext, cookies: ReadonlyMap<string, string>): Promise<{ session: SessionRecord; user: LoginUser } | undefined> {
  const id = cookies.get(cookieNames(ctx.config).session)
  if (id === undefined || !SESSION_ID.test(id)) return undefined
  const session = await ctx.store.getSession(hashToken(id), ctx.now())
  const user = session && (await ctx.login.user(session.subject))
  return session && user ? { session, user } : undefined
}

/**
 * Starts a session for `user`, who just logged in, under a fresh id; deletes the session the
 * browser came with. `authTime` is when they authenticated (OIDC Core §2 `auth_time`): now, unless
 * an upstream provider says it was earlier. Returns the session and its `Set-Cookie` value.
 *
 * @example
 * ```ts
 * const { session, cookie } = await startSession(ctx, user, request.cookies)
 * ```
 */
export async function startSession(
  ctx: ServiceContext,
  user: LoginUser,
  cookies: ReadonlyMap<string, string>,
  authTime?: number,
): Promise<{ session: SessionRecord; cookie: string }> {
  const names = cookieNames(ctx.config)
  const previous = cookies.get(names.session)
  if (previous !== undefined && SESSION_ID.test(previous)) await ctx.store.deleteSession(hashToken(previous))
  const id = randomToken()
  const now = ctx.now()
  const ttl = durationSeconds(ctx.config.login.sessionTtl)
  const session: SessionRecord = { idHash: hashToken(id), subject: user.subject, authTime: Math.floor(authTime ?? now), createdAt: now, expiresAt: now + ttl }
  await ctx.store.createSession(session)
  return { session, cookie: setCookie(names.session, id, { maxAge: ttl, sameSite: 'Lax', secure: names.secure }) }
}
