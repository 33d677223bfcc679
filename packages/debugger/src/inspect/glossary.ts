/**
 * What registered header parameters and claims mean, in words, with the document that defines each:
 * shown when the reader hovers or focuses a name in the decoded header or payload. Maps, not object
 * literals: a claim named `__proto__` or `constructor` must find nothing.
 * @module
 */

export interface Definition {
  /** Long name, e.g. "Expiration Time". */
  readonly title: string
  readonly description: string
  /** The defining document and section, e.g. "RFC 7519 §4.1.4". */
  readonly source: string
}

type Entry = readonly [name: string, title: string, description: string, source: string]

const table = (entries: readonly Entry[]): ReadonlyMap<string, Definition> =>
  new Map(entries.map(([name, title, description, source]) => [name, { title, description, source }]))

export const CLAIMS = table([
  ['iss', 'Issuer', 'Who issued the token. A verifier compares it with the issuer it trusts, exactly.', 'RFC 7519 §4.1.1'],
  ['sub', 'Subject', 'Whom the token is about, usually a user or client id; unique within the issuer.', 'RFC 7519 §4.1.2'],
  ['aud', 'Audience', 'Who the token is for: one string or a list. A recipient that is not named must refuse the token.', 'RFC 7519 §4.1.3'],
  ['exp', 'Expiration Time', 'The token must not be accepted on or after this time (seconds since 1970-01-01 UTC).', 'RFC 7519 §4.1.4'],
  ['nbf', 'Not Before', 'The token must not be accepted before this time (seconds since 1970-01-01 UTC).', 'RFC 7519 §4.1.5'],
  ['iat', 'Issued At', 'When the token was issued (seconds since 1970-01-01 UTC); shows its age.', 'RFC 7519 §4.1.6'],
  ['jti', 'JWT ID', 'A unique identifier of this token, used to detect replays and to revoke it.', 'RFC 7519 §4.1.7'],
  ['auth_time', 'Authentication Time', 'When the user last actually authenticated (seconds since 1970-01-01 UTC); checked against max_age.', 'OpenID Connect Core §2'],
  ['nonce', 'Nonce', 'The value the client sent in its login request, echoed back so a stolen ID token cannot be replayed into another login.', 'OpenID Connect Core §2'],
  ['acr', 'Authentication Context Class Reference', 'How strongly the user was authenticated; "0" means no assurance at all.', 'OpenID Connect Core §2'],
  ['amr', 'Authentication Methods References', 'The methods used to authenticate, e.g. ["pwd", "otp"].', 'OpenID Connect Core §2, RFC 8176'],
  ['azp', 'Authorized Party', 'The client the ID token was issued to; required when aud lists several audiences.', 'OpenID Connect Core §2'],
  ['at_hash', 'Access Token Hash', 'Half of the hash of the access token issued with this ID token: binds the two together.', 'OpenID Connect Core §3.1.3.6'],
  ['c_hash', 'Code Hash', 'Half of the hash of the authorization code issued with this ID token.', 'OpenID Connect Core §3.3.2.11'],
  ['sid', 'Session ID', 'The login session at the provider, for logout notifications.', 'OpenID Connect Front-Channel Logout §3'],
  ['name', 'Full Name', "The user's full name in displayable form. Personal data.", 'OpenID Connect Core §5.1'],
  ['given_name', 'Given Name', "The user's given or first name(s). Personal data.", 'OpenID Connect Core §5.1'],
  ['family_name', 'Family Name', "The user's surname(s). Personal data.", 'OpenID Connect Core §5.1'],
  ['middle_name', 'Middle Name', "The user's middle name(s). Personal data.", 'OpenID Connect Core §5.1'],
  ['nickname', 'Nickname', 'A casual name the user goes by. Personal data.', 'OpenID Connect Core §5.1'],
  ['preferred_username', 'Preferred Username', 'The shorthand name the user prefers; not guaranteed unique, so never an identifier.', 'OpenID Connect Core §5.1'],
  ['profile', 'Profile Page', "URL of the user's profile page.", 'OpenID Connect Core §5.1'],
  ['picture', 'Picture', "URL of the user's picture. Personal data.", 'OpenID Connect Core §5.1'],
  ['website', 'Website', "URL of the user's web page or blog.", 'OpenID Connect Core §5.1'],
  ['email', 'Email', "The user's preferred email address. Personal data.", 'OpenID Connect Core §5.1'],
  ['email_verified', 'Email Verified', 'Whether the provider verified that the user controlled the email address.', 'OpenID Connect Core §5.1'],
  ['gender', 'Gender', "The user's gender. Personal data.", 'OpenID Connect Core §5.1'],
  ['birthdate', 'Birthdate', "The user's birthday, YYYY-MM-DD (the year may be 0000). Personal data.", 'OpenID Connect Core §5.1'],
  ['zoneinfo', 'Time Zone', "The user's time zone, e.g. Europe/Paris.", 'OpenID Connect Core §5.1'],
  ['locale', 'Locale', "The user's locale, a BCP 47 language tag such as en-US.", 'OpenID Connect Core §5.1'],
  ['phone_number', 'Phone Number', "The user's preferred phone number, usually E.164 (+1 425 555 1212). Personal data.", 'OpenID Connect Core §5.1'],
  ['phone_number_verified', 'Phone Number Verified', 'Whether the provider verified that the user controlled the phone number.', 'OpenID Connect Core §5.1'],
  ['address', 'Address', "The user's postal address, a JSON object (street_address, locality, postal_code, country, …). Personal data.", 'OpenID Connect Core §5.1'],
  ['updated_at', 'Updated At', "When the user's profile was last changed (seconds since 1970-01-01 UTC).", 'OpenID Connect Core §5.1'],
  ['client_id', 'Client ID', 'The OAuth client the access token was issued to.', 'RFC 9068 §2.2, RFC 8693 §4.3'],
  ['scope', 'Scope', 'The permissions granted, space-separated.', 'RFC 9068 §2.2.3, RFC 8693 §4.2'],
  ['groups', 'Groups', 'Groups the subject belongs to, as the issuer names them; used for authorization decisions.', 'RFC 9068 §2.2.3.1, RFC 7643 §4.1.2'],
  ['roles', 'Roles', 'Roles the subject has, as the issuer names them.', 'RFC 9068 §2.2.3.1, RFC 7643 §4.1.2'],
  ['entitlements', 'Entitlements', 'Entitlements the subject has, as the issuer names them.', 'RFC 9068 §2.2.3.1, RFC 7643 §4.1.2'],
  ['act', 'Actor', 'Who is acting on behalf of the subject (delegation, token exchange).', 'RFC 8693 §4.1'],
  ['may_act', 'Authorized Actor', 'Who may act on behalf of the subject.', 'RFC 8693 §4.4'],
  ['cnf', 'Confirmation', 'The key the presenter must prove it holds (proof of possession). With "jkt", the token is DPoP-bound: accepted only with a DPoP proof signed by the key of that RFC 7638 thumbprint.', 'RFC 7800 §3.1, RFC 9449 §6.1'],
  ['events', 'Security Events', 'The events a Security Event Token reports.', 'RFC 8417 §2.2'],
  ['txn', 'Transaction Identifier', 'Ties the token to one transaction across parties.', 'RFC 8417 §2.2'],
  ['htm', 'HTTP Method', 'The HTTP method a DPoP proof is for.', 'RFC 9449 §4.2'],
  ['htu', 'HTTP URI', 'The URL a DPoP proof is for.', 'RFC 9449 §4.2'],
  ['ath', 'Access Token Hash', 'The hash of the access token a DPoP proof accompanies.', 'RFC 9449 §4.2'],
])

export const HEADER_PARAMETERS = table([
  ['alg', 'Algorithm', 'How the token is signed (JWS) or how its content key is protected (JWE). A verifier must choose the algorithms it accepts itself, never take this one on trust.', 'RFC 7515 §4.1.1, RFC 7516 §4.1.1'],
  ['typ', 'Type', 'What kind of token this is: "JWT", "at+jwt" for OAuth access tokens, and so on. Keeps one kind of token from passing as another.', 'RFC 7515 §4.1.9, RFC 8725 §3.11'],
  ['cty', 'Content Type', 'What the payload is; "JWT" marks a nested token (signed, then encrypted).', 'RFC 7515 §4.1.10, RFC 7519 §5.2'],
  ['kid', 'Key ID', 'Which of the issuer\'s keys signed the token; lets verifiers pick the key during rotation.', 'RFC 7515 §4.1.4'],
  ['jku', 'JWK Set URL', 'A URL of keys chosen by whoever made the token. Verifiers must not fetch it: jot never does.', 'RFC 7515 §4.1.2, RFC 8725 §3.10'],
  ['jwk', 'JSON Web Key', 'A key embedded by whoever made the token. Trusting it would let anyone sign; jot uses it only when asked to.', 'RFC 7515 §4.1.3'],
  ['x5u', 'X.509 URL', 'A URL of certificates chosen by whoever made the token; never fetched by jot.', 'RFC 7515 §4.1.5'],
  ['x5c', 'X.509 Certificate Chain', 'Certificates of the signing key, which only mean something after validating the chain.', 'RFC 7515 §4.1.6'],
  ['x5t', 'X.509 Thumbprint (SHA-1)', 'A SHA-1 thumbprint of the signing key\'s certificate.', 'RFC 7515 §4.1.7'],
  ['x5t#S256', 'X.509 Thumbprint (SHA-256)', 'A SHA-256 thumbprint of the signing key\'s certificate.', 'RFC 7515 §4.1.8'],
  ['crit', 'Critical', 'Extensions the recipient must understand, or else refuse the token.', 'RFC 7515 §4.1.11'],
  ['b64', 'Base64url-Encode Payload', 'false means the payload is not encoded; never allowed in a JWT.', 'RFC 7797 §3'],
  ['enc', 'Encryption Algorithm', 'How the content of a JWE is encrypted.', 'RFC 7516 §4.1.2'],
  ['zip', 'Compression', '"DEF": the plaintext was compressed before encryption.', 'RFC 7516 §4.1.3'],
  ['epk', 'Ephemeral Public Key', 'The sender\'s one-time key for ECDH-ES key agreement.', 'RFC 7518 §4.6.1.1'],
  ['apu', 'Agreement PartyUInfo', 'Information about the sender, mixed into the ECDH-ES key derivation.', 'RFC 7518 §4.6.1.2'],
  ['apv', 'Agreement PartyVInfo', 'Information about the recipient, mixed into the ECDH-ES key derivation.', 'RFC 7518 §4.6.1.3'],
  ['iv', 'Initialization Vector', 'The IV of AES-GCM key wrapping.', 'RFC 7518 §4.7.1.1'],
  ['tag', 'Authentication Tag', 'The tag of AES-GCM key wrapping.', 'RFC 7518 §4.7.1.2'],
  ['p2s', 'PBES2 Salt Input', 'The salt of password-based key wrapping.', 'RFC 7518 §4.8.1.1'],
  ['p2c', 'PBES2 Count', 'The PBKDF2 iteration count of password-based key wrapping; jot refuses more than 10,000.', 'RFC 7518 §4.8.1.2'],
])

/** A DPoP proof's claims and header, where they mean something else than in other JWTs (RFC 9449 §4.2). */
export const DPOP_PROOF_CLAIMS: ReadonlyMap<string, Definition> = new Map([
  ...CLAIMS,
  ...table([
    ['jti', 'JWT ID', 'Unique for each proof: a server remembers it for a while and refuses the proof if it comes again (a replay).', 'RFC 9449 §4.2, §11.1'],
    ['iat', 'Issued At', 'When the proof was made; a server accepts it only for a short time after (a minute, by default in jot).', 'RFC 9449 §4.2, §11.1'],
    ['nonce', 'Nonce', 'A value the server handed out in its DPoP-Nonce header, which it may require in every proof.', 'RFC 9449 §4.2, §8, §9'],
  ]),
])

export const DPOP_PROOF_HEADER: ReadonlyMap<string, Definition> = new Map([
  ...HEADER_PARAMETERS,
  ...table([
    ['typ', 'Type', 'Always "dpop+jwt": a proof cannot pass for another kind of JWT.', 'RFC 9449 §4.2'],
    ['jwk', 'JSON Web Key', 'The public key that signed the proof, by design: its RFC 7638 thumbprint is what a bound token\'s cnf.jkt names.', 'RFC 9449 §4.2, §6.1'],
  ]),
])
