/**
 * What verifying one caller token costs the gateway (auth/caller-token.ts `makeTokenVerifier`:
 * jose `jwtVerify`, then the claims' Schema), per algorithm the gateway accepts: HS256 (a
 * shared secret), ES256 and RS256 (2048-bit, from a JWKS). Each round verifies `TOKENS`
 * distinct tokens (different subjects, so nothing is cached by accident); the algorithms are
 * measured in alternation, `ROUNDS` rounds, and the best round of each is reported (the least
 * disturbed by the machine's other work), with the median beside it. Compared with the
 * gateway's measured CPU per request (docs/performance.md, "Gateway").
 *
 * Run: node_modules/.bin/node api/bench/auth.bench.ts [tokens=2000] [rounds=5]
 */
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from "jose"
import { randomBytes } from "node:crypto"
import { makeTokenVerifier, type TokenVerifier } from "../src/auth/caller-token.ts"

const TOKENS = Number(process.argv[2] ?? 2_000)
const ROUNDS = Number(process.argv[3] ?? 5)
const claims = { issuer: "dispatch", audience: "dispatch-api" }
/** The gateway's CPU per accepted ride, measured by gateway.bench.ts (docs/performance.md). */
const GATEWAY_CPU_PER_REQUEST_US = 1_400

const tokensFor = (alg: string, kid: string, key: CryptoKey | Uint8Array) => {
  const exp = Math.floor(Date.now() / 1000) + 3_600
  return Promise.all(Array.from({ length: TOKENS }, (_, i) =>
    new SignJWT({ role: "rider" }).setProtectedHeader({ alg, kid }).setSubject(`rider-${i}`).setIssuer(claims.issuer).setAudience(claims.audience).setExpirationTime(exp).sign(key)))
}

const main = async () => {
  const secret = randomBytes(32)
  const es = await generateKeyPair("ES256")
  const rs = await generateKeyPair("RS256", { modulusLength: 2048 })
  const jwks = { keys: [{ ...(await exportJWK(es.publicKey)), kid: "es", alg: "ES256" }, { ...(await exportJWK(rs.publicKey)), kid: "rs", alg: "RS256" }] }
  const jwksVerifier = makeTokenVerifier({ _tag: "Jwks", jwks, source: "bench" }, claims)
  const contenders: ReadonlyArray<{ readonly name: string; readonly verifier: TokenVerifier; readonly tokens: ReadonlyArray<string> }> = [
    { name: "HS256 (secret)", verifier: makeTokenVerifier({ _tag: "Secret", key: secret, source: "bench" }, claims), tokens: await tokensFor("HS256", "hs", secret) },
    { name: "ES256 (JWKS, P-256)", verifier: jwksVerifier, tokens: await tokensFor("ES256", "es", es.privateKey) },
    { name: "RS256 (JWKS, 2048-bit)", verifier: jwksVerifier, tokens: await tokensFor("RS256", "rs", rs.privateKey) }
  ]
  const samples = contenders.map(() => [] as Array<number>)
  // Warm-up round: JIT, key imports cached by the JWKS.
  for (const c of contenders) for (const t of c.tokens.slice(0, 200)) await c.verifier.verify(t)
  for (let round = 0; round < ROUNDS; round++) {
    for (const [i, c] of contenders.entries()) {
      const t0 = performance.now()
      for (const token of c.tokens) {
        const verified = await c.verifier.verify(token)
        if (!verified.ok) throw new Error(`${c.name}: a valid token was refused (${verified.reason})`)
      }
      samples[i]!.push(((performance.now() - t0) * 1000) / TOKENS)
    }
  }
  console.log(`caller token verification: ${TOKENS} tokens x ${ROUNDS} rounds, node ${process.version}`)
  console.log("\n| algorithm | µs per verify (best) | median | verifies/s (best) | share of the gateway's ~1.4 ms CPU per request |")
  console.log("| --- | ---: | ---: | ---: | ---: |")
  for (const [i, c] of contenders.entries()) {
    const sorted = [...samples[i]!].sort((a, b) => a - b)
    const best = sorted[0]!
    const median = sorted[Math.floor(sorted.length / 2)]!
    console.log(`| ${c.name} | ${best.toFixed(1)} | ${median.toFixed(1)} | ${Math.round(1e6 / best).toLocaleString("en-US")} | ${((100 * best) / GATEWAY_CPU_PER_REQUEST_US).toFixed(1)} % |`)
  }
}

await main()
