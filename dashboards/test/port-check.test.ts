/**
 * Who holds a port, from `ss -ltnpH` as Linux prints it: IPv4, IPv6 and wildcard addresses, a
 * socket without a `users:` field (another user's), and anything else that is not a listener.
 */
import { describe, expect, it } from "vitest"
import { parseSsListeners } from "../src/stack/port-check.ts"

const SS = [
  'LISTEN 0      4096       127.0.0.1:4222       0.0.0.0:*    users:(("nats-server",pid=14615,fd=6))',
  'LISTEN 0      511             [::]:8080          [::]:*    users:(("node",pid=4242,fd=21),("node",pid=4243,fd=21))',
  "LISTEN 0      128          0.0.0.0:2024       0.0.0.0:*",
  'LISTEN 0      4096               *:9090             *:*    users:(("prometheus",pid=77,fd=7))',
  "State  Recv-Q Send-Q Local Address:Port  Peer Address:PortProcess",
  ""
].join("\n")

describe("parseSsListeners", () => {
  it("names the first process holding each listening port", () => {
    expect(Object.fromEntries(parseSsListeners(SS))).toEqual({
      4222: "nats-server (pid 14615)",
      8080: "node (pid 4242)",
      9090: "prometheus (pid 77)"
    })
  })

  it("junk gives no holder, never a throw", () => {
    expect(parseSsListeners("LISTEN garbage\n\u0000:::").size).toBe(0)
  })
})
