// What `npm start` does, end to end through the BUILT command line (run `npm run build` first):
// `jotjwt serve --dev` prints a curl command and a jotjwt pipe; both are run verbatim in a shell and
// get a token; it prints how to log in as a demo user, which works as printed (the URL, the form,
// the command the callback page shows); Ctrl-C (SIGINT) stops the service with exit status 0; a
// restart on the same data directory keeps the demo secrets and the keys, so the first token's key
// is still published.
import assert from 'node:assert/strict'
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { after, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { decodeJWTUnverified } from 'jotjwt'
import { Browser, logIn } from './browser.js'

const CLI = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'cli', 'dist', 'main.js')
const scratch = mkdtempSync(join(tmpdir(), 'jotjwt-dev-start-'))
after(() => rmSync(scratch, { recursive: true, force: true }))

// `jotjwt` on PATH, as for a user who installed the CLI.
const bin = join(scratch, 'bin')
mkdirSync(bin)
writeFileSync(join(bin, 'jotjwt'), `#!/bin/sh\nexec "${process.execPath}" "${CLI}" "$@"\n`)
chmodSync(join(bin, 'jotjwt'), 0o755)
const data = join(scratch, 'data')
const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${bin}:${process.env.PATH}`, JOTJWT_DATA_DIR: data, NO_COLOR: '1' }
delete env.JOTJWT_PORT

interface Running {
  child: ChildProcessWithoutNullStreams
  banner: string
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>
}

/** Starts `jotjwt serve --dev` and waits for the complete banner. */
async function serve(port: number): Promise<Running> {
  const child = spawn(process.execPath, [CLI, 'serve', '--dev', '--port', String(port)], { cwd: scratch, env })
  let stdout = ''
  let stderr = ''
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal, stderr })),
  )
  const banner = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no banner within 30 s; stdout:\n${stdout}\nstderr:\n${stderr}`)), 30_000)
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk
      if (/^Stop with Ctrl-C\./m.test(stdout)) {
        clearTimeout(timer)
        resolve(stdout)
      }
    })
    void exited.then(({ code }) => reject(new Error(`serve exited with ${code} before its banner:\n${stdout}\n${stderr}`)))
  })
  return { child, banner, exited }
}

/** The banner line that starts with `prefix` (indented in the banner), as printed. */
function line(banner: string, prefix: string): string {
  const found = banner.split('\n').map((text) => text.trim()).find((text) => text.startsWith(prefix))
  assert.ok(found, `no line starting with ${prefix} in:\n${banner}`)
  return found
}

/** Runs a printed command line verbatim in a POSIX shell. */
function shell(command: string): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync('/bin/sh', ['-c', command], { cwd: scratch, env, encoding: 'utf8', timeout: 30_000 })
  return { status: result.status, stdout: result.stdout, stderr: result.stderr }
}

const kidOf = (token: string) => (JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()) as { kid: string }).kid

test('npm start: the printed curl command and jotjwt pipe work; Ctrl-C stops cleanly; a restart keeps the client and keys', async () => {
  assert.equal(spawnSync('/usr/bin/curl', ['--version']).status, 0, 'this test runs the printed curl command: curl must be installed')

  const first = await serve(0)
  const issuer = line(first.banner, 'issuer').split(/\s+/)[1]!
  const port = Number(new URL(issuer).port)
  const secret = line(first.banner, 'client_secret').split(/\s+/)[1]!

  const curl = shell(line(first.banner, 'curl '))
  assert.equal(curl.status, 0, curl.stderr)
  const firstToken = (JSON.parse(curl.stdout) as { access_token: string }).access_token
  assert.ok(firstToken, curl.stdout)

  const pipe = shell(line(first.banner, 'JOTJWT_DEMO_SECRET='))
  assert.equal(pipe.status, 0, `${pipe.stdout}\n${pipe.stderr}`)
  assert.match(pipe.stdout, /Valid/)

  // Log in as printed: open the URL, sign in as a demo user, and run the command the page shows.
  const authorizationUrl = line(first.banner, `${issuer}/authorize?`)
  const [, , password, , ...groups] = line(first.banner, 'alice ').split(/\s+/)
  assert.deepEqual(groups.join(' '), 'admins, developers')
  const callback = await logIn(new Browser(), authorizationUrl, 'alice', password!)
  assert.equal(`${callback.origin}${callback.pathname}`, `${issuer}/dev/callback`)
  const page = await fetch(callback)
  assert.equal(page.status, 200)
  const command = /<pre><code>([^<]*)<\/code><\/pre>/.exec(await page.text())?.[1]?.replaceAll('&#39;', "'").replaceAll('&amp;', '&')
  assert.ok(command?.startsWith('curl '), 'the page shows the exchange command')
  const exchange = shell(command!)
  assert.equal(exchange.status, 0, exchange.stderr)
  const tokens = JSON.parse(exchange.stdout) as Record<string, string>
  assert.ok(tokens.access_token && tokens.id_token && tokens.refresh_token, exchange.stdout)
  assert.deepEqual(decodeJWTUnverified(tokens.id_token).payload.groups, ['admins', 'developers'])

  // The data directory is private, and so are the files with the secrets.
  assert.equal(statSync(data).mode & 0o777, 0o700)
  assert.equal(statSync(join(data, 'dev-key-encryption-key')).mode & 0o777, 0o600)
  assert.equal(statSync(join(data, 'dev-demo-client.json')).mode & 0o777, 0o600)
  assert.equal(statSync(join(data, 'dev-demo-users.json')).mode & 0o777, 0o600)

  first.child.kill('SIGINT')
  const stopped = await first.exited
  assert.deepEqual([stopped.code, stopped.signal], [0, null], stopped.stderr)

  const second = await serve(port)
  try {
    assert.equal(line(second.banner, 'client_secret').split(/\s+/)[1], secret, 'the demo secret survives a restart')
    assert.equal(line(second.banner, 'alice ').split(/\s+/)[2], password, 'and so do the demo passwords')
    const again = shell(line(second.banner, 'curl '))
    assert.equal(again.status, 0, again.stderr)
    const secondToken = (JSON.parse(again.stdout) as { access_token: string }).access_token
    assert.equal(kidOf(secondToken), kidOf(firstToken), 'the same key signs after the restart')
    const jwks = (await (await fetch(`${issuer}/jwks.json`)).json()) as { keys: { kid: string }[] }
    assert.ok(
      jwks.keys.some((key) => key.kid === kidOf(firstToken)),
      'the key that signed before the restart is still published',
    )
  } finally {
    second.child.kill('SIGINT')
    const { code } = await second.exited
    assert.equal(code, 0)
  }
})
