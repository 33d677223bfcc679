#!/usr/bin/env node
/**
 * `jotjwt`: the command line entry point. It picks the command, gives it a context (streams with their
 * colour decision, stdin, environment, clock) and turns any failure into one line on stderr and a
 * documented exit code (see cli/errors.ts). Stack traces appear only with `--debug`, because a
 * trace is noise to someone checking a token, and can show paths they did not ask to see.
 * @module
 */
import { readFileSync } from 'node:fs'
import type { Command, Context, Output } from './cli/command.js'
import { describeError, EXIT_USAGE, UsageError } from './cli/errors.js'
import { admin } from './commands/admin.js'
import { decode } from './commands/decode.js'
import { decrypt } from './commands/decrypt.js'
import { dpop } from './commands/dpop.js'
import { encrypt } from './commands/encrypt.js'
import { jwks } from './commands/jwks.js'
import { key } from './commands/key.js'
import { keygen } from './commands/keygen.js'
import { gateway } from './commands/gateway.js'
import { serve } from './commands/serve.js'
import { sign } from './commands/sign.js'
import { token } from './commands/token.js'
import { verify } from './commands/verify.js'
import { colorEnabled, createPalette } from './format/color.js'
import { escapeTerminal, escapeText, guardOutput } from './format/terminal.js'
import { createStdinReader } from './io/input.js'

const COMMANDS: readonly Command[] = [decode, verify, sign, encrypt, decrypt, keygen, key, jwks, token, dpop, serve, admin, gateway]

function version(): string {
  const read = (path: string) => (JSON.parse(readFileSync(new URL(path, import.meta.url), 'utf8')) as { version: string }).version
  let library = 'unknown'
  try {
    library = read(import.meta.resolve('jotjwt/package.json'))
  } catch {
    // An unusual install layout only costs the library version in the banner.
  }
  return `jotjwt-cli ${read('../package.json')} (jotjwt ${library}, Node ${process.versions.node})\n`
}

function overview(): string {
  const width = Math.max(...COMMANDS.map((command) => command.name.length)) + 2
  return [
    'Usage: jotjwt <command> [options]',
    '',
    'JSON Web Tokens at the terminal: decode, verify, sign, encrypt and decrypt tokens; make, convert',
    'and publish keys; get access tokens from an OAuth server, or run one.',
    '',
    'Commands:',
    ...COMMANDS.map((command) => `  ${command.name.padEnd(width)}${command.summary}`),
    '',
    'Options:',
    '  -h, --help     help (also: jotjwt <command> --help, jotjwt help <command>)',
    '  -v, --version  versions of the CLI, the library and Node',
    '      --debug    stack traces on errors',
    '',
    'Exit codes: 0 ok (token valid), 1 invalid (token, key or input rejected), 2 usage error,',
    '3 unavailable (file unreadable, JWKS or discovery fetch failed).',
    'Colour only on a terminal; NO_COLOR=1 turns it off, FORCE_COLOR=1 on. Control and invisible',
    'characters from tokens, keys and fetched documents are shown escaped, as \\uXXXX.',
    '',
    'Examples:',
    '  jotjwt decode "$TOKEN"',
    '  jotjwt keygen EdDSA --out issuer',
    '  jotjwt sign --key issuer.private.jwk --sub user-42 --exp 15m',
    '  jotjwt verify --key issuer.public.jwk "$TOKEN"',
    '  jotjwt verify --jwks https://issuer.example/.well-known/jwks.json --audience api "$TOKEN"',
    '  jotjwt serve --dev   (the token service; needs the jotjwt-server package)',
    '  jotjwt admin keys list --url http://127.0.0.1:8080   (a running token service, with JOTJWT_ADMIN_TOKEN)',
    '  jotjwt gateway --config gateway.yaml   (forward-auth for proxies; needs jotjwt-gateway)',
    '',
  ].join('\n')
}

/**
 * Every write passes the guard (format/terminal.ts): no control or invisible character reaches the
 * terminal raw, except the line feeds and colours of the CLI's own layout.
 */
function output(stream: NodeJS.WriteStream): Output {
  const color = createPalette(colorEnabled(stream, process.env))
  return { color, write: (text) => void stream.write(guardOutput(text, color)) }
}

/**
 * A stack trace for --debug. Its first lines are the error's name and message, which may quote
 * attacker text with line breaks and colour codes of its own: they are escaped as the error line is.
 * The frames that follow are the CLI's own.
 */
function debugTrace(error: Error, stack: string): string {
  const lines = stack.split('\n')
  const messageLines = String(error.message).split('\n').length
  return `${escapeTerminal(lines.slice(0, messageLines).join('\n'))}\n${escapeText(lines.slice(messageLines).join('\n'))}`
}

async function main(argv: string[]): Promise<number> {
  const context: Context = {
    stdout: output(process.stdout),
    stderr: output(process.stderr),
    stdin: createStdinReader(process.stdin),
    env: process.env,
    now: () => Math.floor(Date.now() / 1000),
  }
  const [first, ...rest] = argv
  let command: Command | undefined
  try {
    if (first === undefined) {
      context.stderr.write(overview())
      return EXIT_USAGE
    }
    if (first === '-h' || first === '--help') {
      context.stdout.write(overview())
      return 0
    }
    if (first === '-v' || first === '--version') {
      context.stdout.write(version())
      return 0
    }
    if (first === 'help') {
      const target = COMMANDS.find((candidate) => candidate.name === rest[0])
      context.stdout.write(target ? target.help() : overview())
      return 0
    }
    command = COMMANDS.find((candidate) => candidate.name === first)
    if (!command) throw new UsageError(`unknown command "${first}"`)
    return await command.execute(rest, context)
  } catch (error) {
    const report = describeError(error)
    const color = context.stderr.color
    const name = command ? `jotjwt ${command.name}` : 'jotjwt'
    context.stderr.write(`${name}: ${color.red('error:')} ${report.line}\n`)
    if (error instanceof UsageError) context.stderr.write(`Run "${name} --help" for usage.\n`)
    if (argv.includes('--debug') && error instanceof Error && error.stack) context.stderr.write(`${debugTrace(error, error.stack)}\n`)
    return report.exitCode
  }
}

process.exitCode = await main(process.argv.slice(2))
