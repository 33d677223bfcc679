/**
 * JWK members that carry secret key material, one list for every test that strips or looks for them:
 * `d` (EC, RFC 7518 §6.2.2; OKP, RFC 8037 §2), `p` `q` `dp` `dq` `qi` `oth` (RSA, RFC 7518 §6.3.2),
 * `priv` (AKP, RFC 9964 §4) and `k` (oct, RFC 7518 §6.4.1). None may appear in a public JWK.
 *
 * No imports at all: the portable conformance suite (bundled for the browser) and the test/unit
 * files use it too.
 */
export const PRIVATE_JWK_MEMBERS: readonly string[] = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'priv', 'k']

/** `jwk` without its {@link PRIVATE_JWK_MEMBERS}: the public JWK of an asymmetric private JWK. */
export function withoutPrivateMembers<T extends object>(jwk: T): T {
  return Object.fromEntries(Object.entries(jwk).filter(([name]) => !PRIVATE_JWK_MEMBERS.includes(name))) as T
}
