// Real nginx and Caddy processes on temporary loopback ports with generated configurations, an
// upstream that echoes the headers it received, and raw HTTP requests that can send a header in
// several spellings at once (Node's client would merge names differing only in case).
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { connect, createServer as createNetServer, type AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { caddySite, HAPROXY_LUA, haproxySections, nginxServer, type SnippetOptions } from 'jotjwt-gateway'

export interface Running {
  readonly port: number
  close(): Promise<void>
}

export async function freePort(): Promise<number> {
  const server = createNetServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise((resolve) => server.close(resolve))
  return port
}

/** An upstream answering every request with the headers it received, as JSON (raw names kept). */
export async function startUpstream(): Promise<Running> {
  const server: Server = createServer((req, res) => {
    const pairs: Array<[string, string]> = []
    for (let i = 0; i < req.rawHeaders.length; i += 2) pairs.push([req.rawHeaders[i]!, req.rawHeaders[i + 1]!])
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(pairs))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { port: (server.address() as AddressInfo).port, close: () => new Promise((resolve) => server.close(() => resolve())) }
}

async function waitForPort(port: number, child: ChildProcess, log: () => string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null || child.pid === undefined) throw new Error(`the proxy exited: ${log()}`)
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => (socket.end(), resolve(true)))
      socket.on('error', () => resolve(false))
    })
    if (open) return
    await sleep(50)
  }
  throw new Error(`the proxy did not listen: ${log()}`)
}

async function startProcess(command: string, args: string[], port: number, dir: string): Promise<Running> {
  let output = ''
  const child = spawn(command, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, HOME: dir, XDG_DATA_HOME: dir, XDG_CONFIG_HOME: dir } })
  child.stdout!.on('data', (chunk) => (output += chunk))
  child.stderr!.on('data', (chunk) => (output += chunk))
  // Not installed: say so (waitForPort then sees the exit) instead of an uncaught spawn error.
  child.on('error', (error) => (output += `${command}: ${error.message} (run scripts/install-proxies.sh)`))
  await waitForPort(port, child, () => output)
  return {
    port,
    async close() {
      if (child.exitCode === null) {
        child.kill('SIGTERM')
        await new Promise((resolve) => child.once('exit', resolve))
      }
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

export async function startNginx(options: SnippetOptions): Promise<Running> {
  const dir = mkdtempSync(join(tmpdir(), 'jot-nginx-'))
  const port = await freePort()
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((name) => `  ${name}_temp_path ${dir}/${name};`).join('\n')
  writeFileSync(
    join(dir, 'nginx.conf'),
    `daemon off;\nmaster_process off;\nworker_processes 1;\npid ${dir}/nginx.pid;\nerror_log ${dir}/error.log warn;\nevents {}\nhttp {\n  access_log off;\n${temp}\n  server {\n    listen 127.0.0.1:${port};\n${nginxServer(options)}  }\n}\n`,
  )
  return startProcess('nginx', ['-p', dir, '-c', join(dir, 'nginx.conf'), '-e', join(dir, 'error.log')], port, dir)
}

export async function startCaddy(options: SnippetOptions): Promise<Running> {
  const dir = mkdtempSync(join(tmpdir(), 'jot-caddy-'))
  const port = await freePort()
  writeFileSync(join(dir, 'Caddyfile'), `{\n  admin off\n  auto_https off\n  storage file_system ${dir}\n}\nhttp://127.0.0.1:${port} {\n${caddySite(options)}}\n`)
  return startProcess('caddy', ['run', '--config', join(dir, 'Caddyfile'), '--adapter', 'caddyfile'], port, dir)
}

export async function startHaproxy(options: SnippetOptions): Promise<Running> {
  const dir = mkdtempSync(join(tmpdir(), 'jot-haproxy-'))
  const port = await freePort()
  const config = `global
  lua-load ${HAPROXY_LUA}

defaults
  mode http
  timeout connect 5s
  timeout client 30s
  timeout server 30s

${haproxySections({ ...options, bind: `127.0.0.1:${port}` })}`
  writeFileSync(join(dir, 'haproxy.cfg'), config)
  return startProcess('haproxy', ['-db', '-f', join(dir, 'haproxy.cfg')], port, dir)
}

export interface RawAnswer {
  status: number
  headers: Array<[string, string]>
  body: string
}

/** One HTTP/1.1 request with exactly these header lines, read until the server closes. */
export function rawRequest(port: number, method: string, path: string, headers: Array<[string, string]>): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1')
    let data = ''
    socket.setEncoding('utf8')
    socket.on('data', (chunk) => (data += chunk))
    socket.on('error', reject)
    socket.on('end', () => {
      const [head = '', ...rest] = data.split('\r\n\r\n')
      const [statusLine = '', ...lines] = head.split('\r\n')
      const pairs = lines.map((line) => {
        const colon = line.indexOf(':')
        return [line.slice(0, colon).trim(), line.slice(colon + 1).trim()] as [string, string]
      })
      let body = rest.join('\r\n\r\n')
      if (pairs.some(([name, value]) => name.toLowerCase() === 'transfer-encoding' && value.toLowerCase() === 'chunked')) body = unchunk(body)
      resolve({ status: Number(statusLine.split(' ')[1]), headers: pairs, body })
    })
    const lines = [`${method} ${path} HTTP/1.1`, `Host: 127.0.0.1:${port}`, 'Connection: close', ...headers.map(([name, value]) => `${name}: ${value}`)]
    socket.write(`${lines.join('\r\n')}\r\n\r\n`)
  })
}

function unchunk(body: string): string {
  let out = ''
  let rest = body
  for (;;) {
    const end = rest.indexOf('\r\n')
    const size = parseInt(rest.slice(0, end), 16)
    if (!(size > 0)) return out
    out += rest.slice(end + 2, end + 2 + size)
    rest = rest.slice(end + 2 + size + 2)
  }
}
