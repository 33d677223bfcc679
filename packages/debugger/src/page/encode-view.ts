/**
 * The encode side: header and claims editors, an algorithm, a key made in the page or pasted, and
 * optional encryption to a recipient. The token is re-made on every edit; keys made here are shown
 * as JWK and PEM so the reader can give the public half to a verifier.
 * @module
 */
import { isJotError } from 'jotjwt'
import type { ContentEncryptionName, JotKey, JWSAlgorithmName, KeyAlgorithmName } from 'jotjwt'
import { decodeToken } from '../inspect/decode.js'
import { CONTENT_ENCRYPTION_CHOICES, EditorError, encodeToken, generateKey, KEY_MANAGEMENT_CHOICES, SIGNING_ALGORITHMS, type GeneratedKey } from '../inspect/encode.js'
import { explainCode } from '../inspect/error-codes.js'
import { importMaterial, parseKeyText } from '../inspect/key-material.js'
import { scanToken } from '../inspect/scan.js'
import { byId, debounce, h, replaceChildren } from './dom.js'
import { displayJSON } from './json-view.js'
import { renderBackdrop } from './token-field.js'

const DEFAULT_ALG: JWSAlgorithmName = 'ES256'

interface EncodeState {
  signing: GeneratedKey | undefined
  recipient: GeneratedKey | undefined
  /** Bumped by every run, so a slow signature (RSA) never overwrites a newer one. */
  run: number
}

const state: EncodeState = { signing: undefined, recipient: undefined, run: 0 }

const textarea = (id: string) => byId<HTMLTextAreaElement>(id)
const select = (id: string) => byId<HTMLSelectElement>(id)
const alg = () => select('encode-alg').value as JWSAlgorithmName
const keySourceIsPasted = () => (document.querySelector<HTMLInputElement>('input[name="encode-key-source"]:checked')?.value ?? 'generated') === 'pasted'

function options(target: HTMLSelectElement, values: readonly string[], selected: string): void {
  replaceChildren(target, values.map((name) => h('option', { value: name, selected: name === selected ? '' : undefined }, name)))
}

function describeError(error: unknown): string {
  if (isJotError(error)) return `${error.code}: ${explainCode(error.code)} (${error.message})`
  return error instanceof Error ? error.message : String(error)
}

/** A short random key id, so tokens made here name their key (RFC 7515 §4.1.4). */
function newKid(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(6))
  return `debugger-${Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('')}`
}

function defaultClaims(now: number): string {
  return displayJSON({ iss: 'https://issuer.example', sub: 'user-42', aud: 'https://api.example', iat: now, exp: now + 900, jti: newKid().slice(9) })
}

/** Sets a member of the header editor's JSON, when it is JSON; a header being edited is left alone. */
function setHeaderMember(name: string, value: string): void {
  const editor = textarea('encode-header')
  try {
    const header = JSON.parse(editor.value) as Record<string, unknown>
    if (header === null || typeof header !== 'object' || Array.isArray(header)) return
    editor.value = displayJSON({ ...header, [name]: value })
  } catch {
    // Not JSON right now: the reader is typing; the error line says so.
  }
}

function keyField(id: string, label: string, text: string): HTMLElement {
  return h('div', { class: 'field' }, h('label', { for: id }, label), h('textarea', { id, rows: String(Math.min(8, text.split('\n').length + 1)), readonly: '', spellcheck: 'false' }, text))
}

function renderGeneratedKeys(): void {
  const fields: HTMLElement[] = []
  const add = (prefix: string, title: string, key: GeneratedKey | undefined) => {
    if (key === undefined) return
    if (key.publicJWK === undefined) {
      fields.push(keyField(`${prefix}-secret-jwk`, `${title}: shared secret (JWK; whoever holds it can also make tokens)`, displayJSON(key.privateJWK)))
      return
    }
    fields.push(keyField(`${prefix}-public-jwk`, `${title}: public key (JWK)`, displayJSON(key.publicJWK)))
    fields.push(keyField(`${prefix}-public-pem`, `${title}: public key (PEM)`, key.publicPEM ?? ''))
    fields.push(keyField(`${prefix}-private-jwk`, `${title}: private key (JWK; keep it secret)`, displayJSON(key.privateJWK)))
    fields.push(keyField(`${prefix}-private-pem`, `${title}: private key (PEM; keep it secret)`, key.privatePEM ?? ''))
  }
  if (!keySourceIsPasted()) add('key', 'Signing key', state.signing)
  if (byId<HTMLInputElement>('encrypt').checked && textarea('encrypt-key').value.trim() === '') add('recipient', 'Recipient key', state.recipient)
  byId('generated-keys').hidden = fields.length === 0
  replaceChildren(byId('generated-key-fields'), fields)
}

async function signingKey(): Promise<JotKey> {
  if (keySourceIsPasted()) {
    const material = parseKeyText(textarea('encode-key').value, byId<HTMLInputElement>('encode-secret-base64url').checked ? 'base64url' : 'text')
    return importMaterial(material, alg())
  }
  // The key's kid goes into the token's header unless the reader's header names another (the
  // library adds it), so the editor is never rewritten behind the reader's back.
  if (state.signing?.key.alg !== alg()) state.signing = await generateKey(alg(), newKid())
  return state.signing.key
}

async function encryptionKey(): Promise<{ key: JotKey; enc: ContentEncryptionName } | undefined> {
  if (!byId<HTMLInputElement>('encrypt').checked) return undefined
  const keyAlg = select('encrypt-alg').value as KeyAlgorithmName
  const enc = select('encrypt-enc').value as ContentEncryptionName
  const pasted = textarea('encrypt-key').value
  if (pasted.trim() !== '') return { key: await importMaterial(parseKeyText(pasted, 'text'), keyAlg, keyAlg === 'dir' ? { enc } : {}), enc }
  if (state.recipient?.key.alg !== keyAlg || (keyAlg === 'dir' && state.recipient.key.enc !== enc)) {
    state.recipient = await generateKey(keyAlg, newKid(), keyAlg === 'dir' ? enc : undefined)
  }
  return { key: state.recipient.key, enc }
}

async function encode(): Promise<void> {
  const run = ++state.run
  const status = byId('encode-status')
  const output = textarea('encode-output')
  byId('encode-header-error').textContent = ''
  byId('encode-claims-error').textContent = ''
  try {
    const key = await signingKey()
    const encryption = await encryptionKey()
    const token = await encodeToken(textarea('encode-header').value, textarea('encode-claims').value, key, encryption)
    if (run !== state.run) return
    output.value = token
    renderBackdrop(byId('encode-backdrop'), scanToken(token).runs)
    const decoded = decodeToken(token)
    status.className = 'status ok'
    status.textContent = encryption
      ? `Signed with ${key.alg}${key.kid ? ` (kid ${key.kid})` : ''}, then encrypted with ${String(decoded.kind === 'JWE' ? decoded.header.alg : '')} / ${encryption.enc}.`
      : `Signed with ${key.alg}${key.kid ? ` (kid ${key.kid})` : ''}.`
  } catch (error) {
    if (run !== state.run) return
    status.className = 'status fail'
    if (error instanceof EditorError) {
      byId(`encode-${error.field}-error`).textContent = error.message
      status.textContent = `Fix the ${error.field} to make a token.`
    } else {
      status.textContent = describeError(error)
    }
  }
  renderGeneratedKeys()
}

/** The public key (or the secret) a verifier needs for the token just made, as JWK text; undefined for a pasted key. */
export function verificationKeyText(): string | undefined {
  if (keySourceIsPasted() || state.signing === undefined) return undefined
  return displayJSON(state.signing.publicJWK ?? state.signing.privateJWK)
}

export interface EncodeInitial {
  readonly alg?: string
  readonly header?: string
  readonly claims?: string
}

export function installEncode(initial: EncodeInitial, now: () => number): { refresh: () => void } {
  const chosen = SIGNING_ALGORITHMS.includes(initial.alg as JWSAlgorithmName) ? (initial.alg as JWSAlgorithmName) : DEFAULT_ALG
  options(select('encode-alg'), SIGNING_ALGORITHMS, chosen)
  options(select('encrypt-alg'), KEY_MANAGEMENT_CHOICES, 'ECDH-ES+A256KW')
  options(select('encrypt-enc'), CONTENT_ENCRYPTION_CHOICES, 'A256GCM')
  textarea('encode-header').value = initial.header ?? displayJSON({ alg: chosen, typ: 'JWT' })
  textarea('encode-claims').value = initial.claims ?? defaultClaims(Math.floor(now()))

  const refresh = debounce(() => void encode(), 150)
  const panel = byId('panel-encode')
  panel.addEventListener('input', (event) => {
    const target = event.target as HTMLElement
    if (target.id === 'encode-output') return
    if (target.id === 'encode-alg') setHeaderMember('alg', alg())
    if (target.getAttribute('name') === 'encode-key-source') {
      byId('panel-encode').querySelector<HTMLElement>('[data-encode-key="generated"]')!.hidden = keySourceIsPasted()
      byId('panel-encode').querySelector<HTMLElement>('[data-encode-key="pasted"]')!.hidden = !keySourceIsPasted()
    }
    if (target.id === 'encrypt') byId('encrypt-options').hidden = !byId<HTMLInputElement>('encrypt').checked
    refresh()
  })
  byId('encode-generate').addEventListener('click', () => {
    state.signing = undefined
    void encode()
  })
  return { refresh: () => void encode() }
}

/** The state a link to the encode side carries: the editors and the algorithm, never a key. */
export function encodeShareState(): { alg: string; header: string; claims: string } {
  return { alg: alg(), header: textarea('encode-header').value, claims: textarea('encode-claims').value }
}
