/**
 * Runs the BUILT CLI (dist/main.js) as a subprocess, exactly as a user's shell would, with stdin
 * always closed so that a command waiting for input fails instead of hanging the suite. The run is
 * asynchronous so a test can serve HTTP (a JWKS) from this same process meanwhile.
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import type { Readable } from 'node:stream'
import { fileURLToPath } from 'node:url'

export const CLI = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'main.js')

export interface RunResult {
  code: number | null
  stdout: string
  stderr: string
}

/**
 * `input` is written to stdin: a string, or a stream (e.g. one that never ends) piped until the CLI
 * stops reading. `cli` runs another copy of the built CLI (e.g. one installed without some package).
 */
export function jot(args: string[], options: { input?: string | Readable; env?: Record<string, string>; cwd?: string; cli?: string } = {}): Promise<RunResult> {
  const env: NodeJS.ProcessEnv = { ...process.env, ...options.env }
  if (!options.env?.FORCE_COLOR) delete env.FORCE_COLOR
  if (!options.env?.NO_COLOR) delete env.NO_COLOR
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [options.cli ?? CLI, ...args], { cwd: options.cwd, env, stdio: ['pipe', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr }))
    if (typeof options.input === 'object') {
      // The CLI may exit without reading everything: the broken pipe that follows is expected.
      child.stdin.on('error', () => {})
      options.input.pipe(child.stdin)
    } else child.stdin.end(options.input ?? '')
  })
}

/** A scratch directory for key files, removed after the suite. */
export function scratchDir(): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), 'jot-cli-'))
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) }
}

/** The wrapped EdDSA token from issue 6, as pasted from a document. */
export const WRAPPED_EDDSA_TOKEN = `eyJhbGciOiJFZERTQSIsImtpZCI6IkpPdjJISmxLYjBKTWNfQVRy
R0JLbWFZNmdRTjdlUU5RWXh0ZXlGaHJDTEE9IiwidHlwIjoiSldU
In0.eyJleHAiOjE2NTQ4ODU0NDcsImdyb3VwcyI6bnVsbCwiaWF0
IjoxNjU0ODg1MTQ3LCJuYW1lIjoibWF0dEBpbmZyYWhxLmNvbSI
sIm5iZiI6MTY1NDg4NDg0Nywibm9uY2UiOiJPeFFwTUZTdjRwIn0.
2NSqYsFTa7ILrQljqKOa5Sx51lcPisITkQGtCCSaesf_KJZHotAB
aIARPPvBiu4bQuGPxOOxA8wAYArcf4qiCQ
`

export function b64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url')
}
