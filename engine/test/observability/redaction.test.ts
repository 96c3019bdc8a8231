import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { REDACTED, redactUrls } from "../../src/observability/redaction.ts"

describe("redactUrls", () => {
  it.each([
    ["nats://alice:secret@127.0.0.1:4222", "nats://alice:***@127.0.0.1:4222"],
    ["nats://tok123@127.0.0.1:4222", "nats://***@127.0.0.1:4222"],
    ["tls://u:p%40ss@nats.example.com:4443", "tls://u:***@nats.example.com:4443"],
    ["alice:secret@127.0.0.1:4222", "alice:***@127.0.0.1:4222"],
    ["nats://a:x@h1:4222,b:y@h2:4222, nats://tok@h3", "nats://a:***@h1:4222,b:***@h2:4222, nats://***@h3"],
    ["cannot connect to NATS at nats://alice:secret@h:4222: connection refused", "cannot connect to NATS at nats://alice:***@h:4222: connection refused"],
    ["admin API http://ops:pw@127.0.0.1:8080/admin/breakers answered 401", "admin API http://ops:***@127.0.0.1:8080/admin/breakers answered 401"],
    ["NATS_URL=alice:secret@h", "NATS_URL=alice:***@h"],
    // Errs on the side of hiding: an `@` after `=` reads as credentials.
    ["ws://u:p@h/path?q=a@b", "ws://u:***@h/path?q=***@b"]
  ])("%s", (input, expected) => {
    expect(redactUrls(input)).toBe(expected)
  })

  it.each(["nats://127.0.0.1:4222", "127.0.0.1:4222,h2:4222", "no url here", "", "http://h/p?a=b"])("leaves %j alone", (input) => {
    expect(redactUrls(input)).toBe(input)
  })

  it("never lets a password through, whatever the URL around it", () => {
    const token = fc.stringMatching(/^[A-Za-z0-9._~!$&'*+%-]{1,20}$/).filter((s) => !s.includes("'"))
    fc.assert(fc.property(
      fc.constantFrom("nats://", "tls://", "http://", "https://", ""),
      fc.stringMatching(/^[a-z][a-z0-9]{0,8}$/),
      token.map((s) => `S3CR3T${s}`),
      fc.stringMatching(/^[a-z0-9.-]{1,20}(:[0-9]{1,5})?$/),
      fc.constantFrom("", "cannot connect to NATS at ", "servers: x, "),
      (scheme, user, password, host, before) => {
        const out = redactUrls(`${before}${scheme}${user}:${password}@${host}`)
        expect(out).not.toContain("S3CR3T")
        expect(out).toContain(`${user}:${REDACTED}@${host}`)
      }
    ))
  })
})
