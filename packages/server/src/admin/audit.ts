/**
 * The audit trail of the admin API: every change is a log line (`admin change`, with the actor's
 * `client_id` and `sub`, the action and the target's id) and an event in the store's audit table,
 * which `GET /admin/audit` lists. Neither ever holds a secret, token or key: targets are ids.
 * @module
 */
import type { ServiceContext } from '../service/context.js'

/** Who made a change: the admin access token's client and subject (the client itself for client credentials). */
export interface AdminActor {
  clientId: string
  subject: string
}

/** What was changed: `client.create`, `client.update`, `client.rotate_secret`, `client.delete`, `user.create`, `user.delete`, `key.rotate`, `key.retire`, `key.revoke`, `trust.create`, `trust.delete`. */
export type AdminAction =
  | 'client.create'
  | 'client.update'
  | 'client.rotate_secret'
  | 'client.delete'
  | 'user.create'
  | 'user.delete'
  | 'key.rotate'
  | 'key.retire'
  | 'key.revoke'
  | 'trust.create'
  | 'trust.delete'

/**
 * Records a change that has been made. The log line comes first: it is written even when the
 * store then fails (the caller gets a 503, and the change stands).
 *
 * @example
 * ```ts
 * await recordChange(ctx, actor, 'client.delete', 'billing')
 * ```
 */
export async function recordChange(ctx: ServiceContext, actor: AdminActor, action: AdminAction, target: string): Promise<void> {
  ctx.log.info({ actor_client_id: actor.clientId, actor_sub: actor.subject, action, target }, 'admin change')
  await ctx.store.appendAuditEvent({ at: ctx.now(), actorClientId: actor.clientId, actorSubject: actor.subject, action, target })
}
