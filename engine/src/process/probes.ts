/**
 * Readiness probes for supervised children (supervisor.ts `Readiness.probe`) that more than
 * one caller needs.
 */
import { Effect } from "effect"

/** True once `url` answers 2xx; a refused connection or a slow answer (over `timeoutMs`) is false. */
export const answersOk = (url: string, timeoutMs = 1_000): Effect.Effect<boolean> =>
  Effect.promise(() => fetch(url, { signal: AbortSignal.timeout(timeoutMs) }).then((r) => {
    void r.body?.cancel() // the status is the answer; free the connection
    return r.ok
  }, () => false))
