/**
 * Tokens from the seed documents, as their readers would paste them. The EdDSA token is wrapped over
 * lines exactly as the article prints it; the RS256 one is the OpenID Connect article's example; the
 * HS256 one carries the claims of the HS256 article's example, signed here (its sample secret is
 * 20 bytes, shorter than HS256 allows: RFC 7518 §3.2).
 * @module
 */
import { importSecret, signCompactJWS } from 'jotjwt'

/** From "Foundations of Infra: JWT": issued 2022-06-10, five minutes of life. */
export const SEED_EDDSA_WRAPPED = `eyJhbGciOiJFZERTQSIsImtpZCI6IkpPdjJISmxLYjBKTWNfQVRy
R0JLbWFZNmdRTjdlUU5RWXh0ZXlGaHJDTEE9IiwidHlwIjoiSldU
In0.eyJleHAiOjE2NTQ4ODU0NDcsImdyb3VwcyI6bnVsbCwiaWF0
IjoxNjU0ODg1MTQ3LCJuYW1lIjoibWF0dEBpbmZyYWhxLmNvbSI
sIm5iZiI6MTY1NDg4NDg0Nywibm9uY2UiOiJPeFFwTUZTdjRwIn0.
2NSqYsFTa7ILrQljqKOa5Sx51lcPisITkQGtCCSaesf_KJZHotAB
aIARPPvBiu4bQuGPxOOxA8wAYArcf4qiCQ`
export const SEED_EDDSA = SEED_EDDSA_WRAPPED.replace(/\s+/g, '')
export const SEED_EDDSA_IAT = 1654885147
export const SEED_EDDSA_EXP = 1654885447

/** From the OpenID Connect claims article: RS256, kid of zeros, expired 2025-04-24. */
export const SEED_RS256 =
  'eyJhbGciOiJSUzI1NiIsImtpZCI6IjAwMDAwMDAwLTAwMDAtMDAwMC0wMDAwLTAwMDAwMDAwMDAwMCIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIwMDAwMDAwMC0wMDAwLTAwMDAtMDAwMC0wMDAwMDAwMDAwMDEiLCJpc3MiOiJodHRwczovL3Rlc3QuY29tIiwiYXVkIjoidGVzdCIsImV4cCI6MTc0NTUxNjUzMX0.clN2sG9gPVlLnrb4qLpQ9tehgElkIjbRSTGBt4lTRrH7dPRJosSo1erFC_LhmyprhK66n2bhYEPxR0OHdvTxJPCBLky1FX4CYAVwiQtb1ttTH85ibr0b9dkcWFqDxzpLjc98U7zLWkCqOPfG-XIJzmuSzqPxSZlSiDyT7915LlbCDteXaKJHYxNFgWcc2YeJqEW_2qGJl5pnAkkvtl5eVbURkNR-fBUqcE24QKSY-nvOFRp8ebdzs9AMmNVa3GyIx2eRkqJosGilfXwM9rpgQjO1bKVA5PROO7TIAysYHDddV05lVvBRgWwIvXBisM9ej8lDjU0-r9vveOv5gY5GbQ'

/** The HS256 article's example claims and header. */
export const SEED_HS256_HEADER = { alg: 'HS256', typ: 'JWT' }
export const SEED_HS256_CLAIMS = { sub: 'user123', name: 'John Doe', admin: true }

/** A secret long enough for HS256 with a canary in it: a test fails if it ever shows up in a request. */
export const HS256_SECRET = 'KEYCANARY-hs256-a-secret-long-enough-for-HS256'

export async function seedHS256Token(): Promise<string> {
  const key = await importSecret(HS256_SECRET, { alg: 'HS256' })
  return signCompactJWS(JSON.stringify(SEED_HS256_CLAIMS), key, { protectedHeader: SEED_HS256_HEADER })
}
