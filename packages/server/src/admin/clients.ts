/**
 * Clients through the admin API: list and read every client (configured or not), and create,
 * update, rotate the secret of and delete those the API created. A body is a client as the
 * configuration declares one (`clients[]`), validated by the same schema and the same deployment
 * rules; the service makes secrets (32 random bytes, base64url), returns each once and stores only
 * its hash. Clients of the configuration are read-only here: the next start would undo a change.
 * Clients that registered themselves (RFC 7591) can be deleted here (an operator removes an
 * abusive registration), not changed: what they may have is the registration settings' to decide.
 * @module
 */
import { randomBytes } from 'node:crypto'
import { clientDeploymentProblems } from '../config/load.js'
import { clientRecord } from '../config/records.js'
import { clientSchema, type ClientConfig } from '../config/schema.js'
import { hashSecret } from '../crypto/secret-hash.js'
import { CLIENT_ASSERTION_ALGORITHMS } from '../oauth/client-auth.js'
import { registeredKeysProblems } from '../oauth/registered-keys.js'
import { signingAlgorithms } from '../oauth/signing-keys.js'
import { claimMappingProblems } from '../oauth/user-claims.js'
import type { OAuthResponse, ServiceContext } from '../service/context.js'
import type { ClientRecord } from '../store/store.js'
import { recordChange, type AdminActor } from './audit.js'
import { AdminError, readOnly } from './errors.js'
import { jsonBody, refuseMembers, validated, type AdminRequest } from './request.js'

/** Authentication methods that use a secret (RFC 6749 §2.3.1). */
const SECRET_METHODS: ReadonlySet<string> = new Set(['client_secret_basic', 'client_secret_post'])

const SERVICE_SETS = 'the service makes client secrets and returns each once (POST /admin/clients/{id}/secret makes a new one)'

/** A client as the API shows it: everything but the secret's hash, and where it comes from. */
export function clientView(client: ClientRecord): Record<string, unknown> {
  const { secretHash, ...rest } = client
  return { ...rest, source: client.source ?? 'config', hasSecret: secretHash !== undefined }
}

/** A new secret: 256 random bits, base64url (43 characters). */
function newSecret(): string {
  return randomBytes(32).toString('base64url')
}

async function existing(ctx: ServiceContext, clientId: string): Promise<ClientRecord> {
  const client = await ctx.store.getClient(clientId)
  if (!client) throw new AdminError('not_found', 'no client has this id')
  return client
}

async function changeable(ctx: ServiceContext, clientId: string): Promise<ClientRecord> {
  const client = await existing(ctx, clientId)
  if (client.source === 'registration') {
    throw new AdminError('read_only', `the client ${JSON.stringify(clientId)} registered itself (RFC 7591): it can be deleted here, not changed`)
  }
  if (client.source !== 'api') throw readOnly(`the client ${JSON.stringify(clientId)}`)
  return client
}

/** What the schema cannot judge: the deployment rules, usable keys, claim mappings, algorithms the service keeps keys for. */
async function checkClient(ctx: ServiceContext, client: ClientConfig): Promise<void> {
  const algorithms = signingAlgorithms(ctx)
  const issues = [
    ...(ctx.config.dev ? [] : clientDeploymentProblems(client, 'client')),
    ...(await registeredKeysProblems(client, CLIENT_ASSERTION_ALGORITHMS)).map((problem) => `client.jwks: ${problem}`),
    ...claimMappingProblems(client.userClaims, 'client.userClaims'),
    ...[client.accessTokenAlg, client.idTokenAlg].flatMap((alg, index) =>
      alg === undefined || algorithms.includes(alg)
        ? []
        : [`client.${index === 0 ? 'accessTokenAlg' : 'idTokenAlg'}: the service keeps no keys for ${alg}; it signs with ${algorithms.join(', ')} (configure a client with it to add its keys)`],
    ),
  ]
  if (issues.length > 0) throw new AdminError('invalid_request', 'the client is invalid', issues)
}

/** A stored client in the configuration's shape (durations in seconds), to apply changes to and validate again. */
function clientInput(client: ClientRecord): Record<string, unknown> {
  const { secretHash, source: _source, createdAt: _created, updatedAt: _updated, redirectUris, ...rest } = client
  return { ...rest, redirectUris: redirectUris ?? [], ...(secretHash === undefined ? {} : { clientSecretHash: secretHash }) }
}

export async function listClients(_request: AdminRequest, ctx: ServiceContext): Promise<OAuthResponse> {
  return { status: 200, headers: {}, body: { clients: (await ctx.store.listClients()).map(clientView) } }
}

export async function getClient(request: AdminRequest, ctx: ServiceContext): Promise<OAuthResponse> {
  return { status: 200, headers: {}, body: { client: clientView(await existing(ctx, request.params.clientId!)) } }
}

/** `POST /admin/clients`: 201 with the client and, for a secret method, `clientSecret` (shown this once). */
export async function createClient(request: AdminRequest, ctx: ServiceContext, actor: AdminActor): Promise<OAuthResponse> {
  const body = jsonBody(request)
  refuseMembers(body, ['clientSecret', 'clientSecretHash'], SERVICE_SETS)
  const secret = SECRET_METHODS.has(typeof body.authMethod === 'string' ? body.authMethod : 'client_secret_basic') ? newSecret() : undefined
  const client = validated(clientSchema, { ...body, ...(secret === undefined ? {} : { clientSecret: secret }) }, 'the client')
  await checkClient(ctx, client)
  const now = Math.floor(ctx.now())
  const record = clientRecord(client, secret === undefined ? undefined : await hashSecret(secret), 'api', { createdAt: now, updatedAt: now })
  if (!(await ctx.store.createClient(record))) throw new AdminError('conflict', 'a client has this id')
  await recordChange(ctx, actor, 'client.create', record.clientId)
  return { status: 201, headers: {}, body: { client: clientView(record), ...(secret === undefined ? {} : { clientSecret: secret }) } }
}

/**
 * `PATCH /admin/clients/{id}`: the members given replace the client's (the id and secret excepted).
 * A client switched to a secret method gets a new secret (returned); one switched away loses its own.
 */
export async function updateClient(request: AdminRequest, ctx: ServiceContext, actor: AdminActor): Promise<OAuthResponse> {
  const current = await changeable(ctx, request.params.clientId!)
  const body = jsonBody(request)
  refuseMembers(body, ['clientSecret', 'clientSecretHash'], SERVICE_SETS)
  refuseMembers(body, ['clientId'], 'a client keeps its id (create another and delete this one)')
  const merged: Record<string, unknown> = { ...clientInput(current), ...body }
  let secret: string | undefined
  if (!SECRET_METHODS.has(String(merged.authMethod))) delete merged.clientSecretHash
  else if (merged.clientSecretHash === undefined) merged.clientSecret = secret = newSecret()
  const client = validated(clientSchema, merged, 'the client')
  await checkClient(ctx, client)
  const secretHash = secret === undefined ? client.clientSecretHash : await hashSecret(secret)
  const record = clientRecord(client, secretHash, 'api', { createdAt: current.createdAt, updatedAt: Math.floor(ctx.now()) })
  await ctx.store.putClient(record)
  await recordChange(ctx, actor, 'client.update', record.clientId)
  return { status: 200, headers: {}, body: { client: clientView(record), ...(secret === undefined ? {} : { clientSecret: secret }) } }
}

/** `POST /admin/clients/{id}/secret`: a new secret, returned this once; the old one stops working at once. */
export async function rotateClientSecret(request: AdminRequest, ctx: ServiceContext, actor: AdminActor): Promise<OAuthResponse> {
  const current = await changeable(ctx, request.params.clientId!)
  if (!SECRET_METHODS.has(current.authMethod)) throw new AdminError('conflict', `the client authenticates with ${current.authMethod}: it has no secret`)
  const secret = newSecret()
  await ctx.store.putClient({ ...current, secretHash: await hashSecret(secret), updatedAt: Math.floor(ctx.now()) })
  await recordChange(ctx, actor, 'client.rotate_secret', current.clientId)
  return { status: 200, headers: {}, body: { clientId: current.clientId, clientSecret: secret } }
}

/** `DELETE /admin/clients/{id}`: 204. Its refresh tokens stop working; its access tokens live until they expire. */
export async function deleteClient(request: AdminRequest, ctx: ServiceContext, actor: AdminActor): Promise<OAuthResponse> {
  const found = await existing(ctx, request.params.clientId!)
  const current = found.source === 'registration' ? found : await changeable(ctx, found.clientId)
  if (await ctx.store.deleteClient(current.clientId)) await recordChange(ctx, actor, 'client.delete', current.clientId)
  return { status: 204, headers: {}, body: undefined }
}
