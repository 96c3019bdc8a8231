/**
 * Credentials out of what is logged or shown: one function for every URL a process prints
 * (NATS servers, the gateway's admin API, the simulator's targets), in logs and in error
 * messages alike.
 *
 * A NATS URL may carry `user:password@` or a token as `token@` (nats.js reads both), and so may
 * any HTTP URL; printing them as given put passwords in logs (issue 15, D2:
 * `cannot connect to NATS at nats://alice:secret@…`).
 */

/** What stands in for a secret. */
export const REDACTED = "***"

/**
 * `userinfo@` before a host, with a scheme (`nats://alice:secret@h`) or without one, as NATS
 * server lists allow (`alice:secret@h:4222`, at the start or after a separator).
 */
const USERINFO = /(\b[a-z][a-z0-9+.-]*:\/\/|^|[\s,;("'=<[])([^\s,;/?#@"'()<>[\]]+)@/gi

/**
 * `text` with the credentials of every URL in it replaced: the password of `user:password@`
 * (the user is kept, it helps and is not secret), or the whole of a lone `token@`. Text
 * without URLs comes back unchanged.
 *
 * @example redactUrls("nats://alice:secret@h:4222,nats://tok@h2") === "nats://alice:***@h:4222,nats://***@h2"
 */
export const redactUrls = (text: string): string =>
  text.includes("@")
    ? text.replace(USERINFO, (_, prefix: string, userinfo: string) => {
      const colon = userinfo.indexOf(":")
      return `${prefix}${colon === -1 ? REDACTED : `${userinfo.slice(0, colon)}:${REDACTED}`}@`
    })
    : text
