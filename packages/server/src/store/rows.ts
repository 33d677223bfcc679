/**
 * Rows to records, the same for both backends: a record's JSON document plus the columns the
 * database decides on (expiry, consumption, revocation), which live outside the document so that a
 * conditional UPDATE can test them. SQLite returns the document as text, PostgreSQL's `json` as a
 * parsed value.
 * @module
 */
import type { AuthorizationCodeRecord, GrantRecord, RefreshTokenRecord, RevokedToken, UpstreamAccountRecord } from './store.js'

export interface CodeRow {
  data: string | object
  expires_at: number
  consumed_at: number | null
}

export interface GrantRow {
  data: string | object
  expires_at: number
  revoked_at: number | null
}

export interface RefreshTokenRow {
  token_hash: string
  grant_id: string
  client_id: string
  created_at: number
  expires_at: number
  consumed_at: number | null
  successor_hash: string | null
  successor_sealed: string | null
}

/** A refresh token's row with its grant's columns, as `getRefreshTokenWithGrant` selects them. */
export interface RefreshFamilyRow extends RefreshTokenRow {
  grant_data: string | object
  grant_expires_at: number
  grant_revoked_at: number | null
}

export interface RevokedRow {
  jti: string
  expires_at: number
}

export const revokedFromRow = (row: RevokedRow): RevokedToken => ({ jti: row.jti, expiresAt: row.expires_at })

const document = <T>(data: string | object): T => (typeof data === 'string' ? JSON.parse(data) : data) as T

/** `record` without the fields kept in columns of their own. */
export function withoutColumns<T extends object, K extends keyof T>(record: T, columns: readonly K[]): Omit<T, K> {
  const copy = { ...record }
  for (const column of columns) delete copy[column]
  return copy
}

export function codeFromRow(row: CodeRow): AuthorizationCodeRecord {
  return { ...document<AuthorizationCodeRecord>(row.data), expiresAt: row.expires_at, ...(row.consumed_at === null ? {} : { consumedAt: row.consumed_at }) }
}

export function grantFromRow(row: GrantRow): GrantRecord {
  return { ...document<GrantRecord>(row.data), expiresAt: row.expires_at, ...(row.revoked_at === null ? {} : { revokedAt: row.revoked_at }) }
}

export function refreshTokenFromRow(row: RefreshTokenRow): RefreshTokenRecord {
  return {
    tokenHash: row.token_hash,
    grantId: row.grant_id,
    clientId: row.client_id,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    ...(row.consumed_at === null ? {} : { consumedAt: row.consumed_at }),
    ...(row.successor_hash === null ? {} : { successorHash: row.successor_hash }),
    ...(row.successor_sealed === null ? {} : { successorSealed: row.successor_sealed }),
  }
}

export interface UpstreamAccountRow {
  issuer: string
  upstream_subject: string
  subject: string
  created_at: number
  data: string | object
}

/** The columns of an upstream account: its key, its subject and creation time (kept across logins). */
export const UPSTREAM_ACCOUNT_COLUMNS = ['issuer', 'upstreamSubject', 'subject', 'createdAt'] as const

export function upstreamAccountFromRow(row: UpstreamAccountRow): UpstreamAccountRecord {
  return {
    ...document<Omit<UpstreamAccountRecord, (typeof UPSTREAM_ACCOUNT_COLUMNS)[number]>>(row.data),
    issuer: row.issuer,
    upstreamSubject: row.upstream_subject,
    subject: row.subject,
    createdAt: row.created_at,
  }
}

export function refreshFamilyFromRow(row: RefreshFamilyRow): { token: RefreshTokenRecord; grant: GrantRecord } {
  return { token: refreshTokenFromRow(row), grant: grantFromRow({ data: row.grant_data, expires_at: row.grant_expires_at, revoked_at: row.grant_revoked_at }) }
}
