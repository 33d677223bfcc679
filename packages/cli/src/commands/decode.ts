/**
 * `jotjwt decode`: read a token without any key. Nothing is verified, and the output says so; a JWE
 * shows only its protected header, the one part that is not encrypted (RFC 7516 §5.2).
 * @module
 */
import { decodeJWTUnverified } from 'jotjwt'
import { defineCommand } from '../cli/command.js'
import { CliError, EXIT_INVALID, UsageError } from '../cli/errors.js'
import { readToken } from '../io/input.js'
import { escapeTerminal } from '../format/terminal.js'
import { analyzeClaims, renderToken, tokenJSON, type TokenDisplay } from '../format/token-view.js'
import { DISPLAY_MAX_TOKEN_LENGTH, isNestedJWT, jweProtectedHeader } from '../token/compact.js'

export const decode = defineCommand({
  name: 'decode',
  summary: 'show a JWT or JWE header and claims, with times in words (nothing is verified)',
  usage: '[TOKEN|-] [options]',
  description: [
    'Decodes a compact JWT (JWS) and shows its header and claims, with exp/nbf/iat/auth_time as',
    'UTC times and relative to now, the lifetime, and warnings (alg "none", no exp, very long',
    'lifetime). A JWE shows its protected header only: the rest is encrypted. Line breaks, spaces,',
    'quotes and a "Bearer " prefix around the token are ignored. NOTHING IS VERIFIED: use jotjwt verify.',
    'The token is read from the argument, or from stdin when it is "-" or omitted. Structures nested',
    'deeper than 32 levels show as [… n items]; --json prints them in full (the deep part on one line).',
  ].join('\n'),
  options: {
    json: { type: 'boolean', description: 'machine-readable output' },
  },
  examples: [
    'jotjwt decode eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ1c2VyLTQyIn0.c2ln',
    'pbpaste | jotjwt decode',
    'jotjwt decode --json < token.txt | jq .payload.sub',
  ],
  maxPositionals: 1,
  async run({ values, positionals }, context) {
    const token = await readToken(positionals[0], context.stdin)
    if (token.startsWith('{')) throw new UsageError('this is a JSON serialization; jotjwt decode reads compact tokens (a.b.c or a.b.c.d.e)')
    const segments = token.split('.').length
    const { stdout } = context
    const color = stdout.color

    if (segments === 5) {
      const header = jweProtectedHeader(token)
      const analysis = analyzeClaims(header, undefined, context.now())
      const nested = isNestedJWT(header)
      if (values.json) {
        stdout.write(tokenJSON({ type: 'JWE', encrypted: true, nested, header }, analysis))
        return 0
      }
      const display: TokenDisplay = {
        status: color.bold(`JWE, encrypted with ${escapeTerminal(header.alg)} / ${escapeTerminal(header.enc)}`) + (nested ? ' (a nested JWT: signed, then encrypted)' : ''),
        sections: [{ title: 'Protected header', value: header }],
        payload: undefined,
        analysis,
        notes: ['The payload is encrypted: read it with jotjwt decrypt --key <recipient private key>.'],
      }
      stdout.write(renderToken(display, color))
      return 0
    }
    if (segments !== 3) {
      throw new CliError(`not a compact token: ${segments} segment${segments === 1 ? '' : 's'} (a signed JWT has 3, separated by dots; a JWE 5)`, EXIT_INVALID)
    }

    const { header, payload } = decodeJWTUnverified(token, { maxTokenLength: DISPLAY_MAX_TOKEN_LENGTH })
    const analysis = analyzeClaims(header, payload, context.now())
    if (values.json) {
      stdout.write(tokenJSON({ type: 'JWS', verified: false, header, payload }, analysis))
      return 0
    }
    const status =
      header.alg === 'none'
        ? color.yellow('Unsecured JWT (alg "none"): no signature')
        : `${color.bold(`JWT, signed with ${escapeTerminal(header.alg)}`)} ${color.yellow('(signature NOT verified: use jotjwt verify)')}`
    stdout.write(renderToken({ status, sections: [{ title: 'Header', value: header }], payload, analysis }, color))
    return 0
  },
})
