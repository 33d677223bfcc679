// Calling a running service over HTTP, as clients and operators do: form posts to the OAuth
// endpoints, JSON calls to the admin API, and what the service logs.
import { createServer } from 'node:net'

/** A port free right now, so the issuer URL (and the admin audience under it) is known before the start. */
export async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise((resolve) => server.close(resolve))
  return port
}

export interface Answer {
  status: number
  headers: Headers
  /** The parsed JSON body, or undefined for an empty one. */
  body: any // eslint-disable-line @typescript-eslint/no-explicit-any -- each test reads the members it expects
}

async function answer(response: Response): Promise<Answer> {
  const text = await response.text()
  return { status: response.status, headers: response.headers, body: text === '' ? undefined : JSON.parse(text) }
}

/** `Authorization: Basic` for client_secret_basic (RFC 6749 §2.3.1). */
export const basic = (clientId: string, secret: string): string => `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(secret)}`).toString('base64')}`

/** POSTs a form (`resource` may repeat) to `url`. */
export async function postForm(url: string, params: Record<string, string | string[]>, authorization?: string): Promise<Answer> {
  const body = new URLSearchParams()
  for (const [name, value] of Object.entries(params)) for (const one of [value].flat()) body.append(name, one)
  return answer(
    await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...(authorization === undefined ? {} : { authorization }) },
      body,
    }),
  )
}

/** A JSON call to the admin API with a bearer token (none when `token` is undefined). */
export async function adminCall(url: string, method: string, token: string | undefined, body?: unknown): Promise<Answer> {
  return answer(
    await fetch(url, {
      method,
      headers: { ...(token === undefined ? {} : { authorization: `Bearer ${token}` }), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    }),
  )
}

/** A pino destination that keeps every line, parsed. */
export function logCapture(): { lines: Record<string, unknown>[]; raw: string[]; stream: { write(line: string): void } } {
  const lines: Record<string, unknown>[] = []
  const raw: string[] = []
  return {
    lines,
    raw,
    stream: {
      write(line: string) {
        raw.push(line)
        lines.push(JSON.parse(line) as Record<string, unknown>)
      },
    },
  }
}
