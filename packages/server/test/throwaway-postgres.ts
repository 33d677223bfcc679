/**
 * A PostgreSQL server of a test's own (scripts/throwaway-postgres.sh: initdb and pg_ctl of the
 * machine's PostgreSQL, in a temporary directory, on a free port), for tests that stop or crash the
 * database under a running store. The machine's shared server (`backends.ts`) is never stopped.
 */
import { execFile } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'

const script = new URL('../scripts/throwaway-postgres.sh', import.meta.url).pathname

/** Runs the script (`start DIR PORT`, `stop DIR`, `crash DIR`, `destroy DIR`); its stderr becomes the error. */
export async function throwaway(...args: string[]): Promise<void> {
  try {
    await promisify(execFile)('bash', [script, ...args], { timeout: 30_000 })
  } catch (error) {
    throw new Error(`scripts/throwaway-postgres.sh ${args[0]} failed: ${(error as { stderr?: string }).stderr || (error as Error).message}`)
  }
}

/** A TCP port nothing listens on (just released by the kernel). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })
}

export interface ThrowawayPostgres {
  /** `postgres://postgres@127.0.0.1:PORT/postgres` (trust authentication). */
  url: string
  /** Starts it again (after `stop` or `crash`) on the same port, with the same data. */
  start(): Promise<void>
  /** Fast shutdown: open connections are terminated, transactions in flight roll back. */
  stop(): Promise<void>
  /** Immediate shutdown: every backend dies at once; the next start runs crash recovery. */
  crash(): Promise<void>
  /** Stops it if running and deletes its directory. */
  destroy(): Promise<void>
}

/** Creates and starts a throwaway server. */
export async function startThrowawayPostgres(): Promise<ThrowawayPostgres> {
  const dir = mkdtempSync(join(tmpdir(), 'jotjwt-pg-'))
  const port = String(await freePort())
  const server: ThrowawayPostgres = {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    start: () => throwaway('start', dir, port),
    stop: () => throwaway('stop', dir),
    crash: () => throwaway('crash', dir),
    destroy: () => throwaway('destroy', dir),
  }
  try {
    await server.start()
  } catch (error) {
    await server.destroy().catch(() => undefined)
    throw error
  }
  return server
}
